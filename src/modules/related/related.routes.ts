import type { FastifyInstance } from 'fastify'
import { and, eq, exists, isNull, or, sql } from 'drizzle-orm'
import { registerRelatedList } from '../../lib/resource/related-list.routes.js'
import { accountResource } from '../accounts/accounts.resource.js'
import { campaignResource } from '../campaigns/campaigns.resource.js'
import { caseResource } from '../cases/cases.resource.js'
import { cases } from '../cases/cases.table.js'
import { contactResource } from '../contacts/contacts.resource.js'
import { contacts } from '../contacts/contacts.table.js'
import { leadResource } from '../leads/leads.resource.js'
import { leads } from '../leads/leads.table.js'
import { opportunityContactRoles } from '../opportunities/contact-roles/contact-roles.table.js'
import { opportunityResource } from '../opportunities/opportunities.resource.js'
import { opportunities } from '../opportunities/opportunities.table.js'

/**
 * The lists of a record's children, registered after every module so that
 * each record schema is known. Tenancy is the child list's own: the extra
 * condition only narrows it.
 */
export async function relatedRoutes (app: FastifyInstance) {
  registerRelatedList(app, {
    parent: accountResource,
    child: contactResource,
    link: contacts.accountId,
    meaning: 'of the account'
  })
  registerRelatedList(app, {
    parent: accountResource,
    child: opportunityResource,
    link: opportunities.accountId,
    meaning: 'of the account'
  })
  registerRelatedList(app, {
    parent: accountResource,
    child: caseResource,
    link: cases.accountId,
    meaning: 'of the account'
  })
  registerRelatedList(app, {
    parent: contactResource,
    child: opportunityResource,
    // The primary contact, or one with a role on the opportunity.
    link: (contactId) => or(
      eq(opportunities.contactId, contactId),
      exists(
        app.deps.db
          .select({ one: sql`1` })
          .from(opportunityContactRoles)
          .where(and(
            eq(opportunityContactRoles.workspaceId, opportunities.workspaceId),
            eq(opportunityContactRoles.opportunityId, opportunities.id),
            eq(opportunityContactRoles.contactId, contactId),
            isNull(opportunityContactRoles.deletedAt)
          ))
      )
    ) as ReturnType<typeof sql>,
    meaning: 'where the contact is the primary contact or has a contact role'
  })
  registerRelatedList(app, {
    parent: contactResource,
    child: caseResource,
    link: cases.contactId,
    meaning: 'raised by the contact'
  })
  registerRelatedList(app, {
    parent: campaignResource,
    child: leadResource,
    link: leads.campaignId,
    meaning: 'the campaign brought (their campaignId)'
  })
  registerRelatedList(app, {
    parent: campaignResource,
    child: opportunityResource,
    link: opportunities.campaignId,
    meaning: 'attributed to the campaign (their campaignId)'
  })
}
