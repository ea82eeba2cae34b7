import { searchDocument } from '../../db/full-text.js'
import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace, timestampColumn } from '../../db/columns.js'
import type { Address } from '../../lib/address.js'
import { accounts } from '../accounts/accounts.table.js'
import { campaigns } from '../campaigns/campaigns.table.js'
import { contacts } from '../contacts/contacts.table.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { users } from '../users/users.table.js'

/** What `q` searches in leads; the GIN index below and every query use this one expression. */
export const leadsSearch = (t: Record<'firstName' | 'lastName' | 'email' | 'company', AnyPgColumn>) =>
  searchDocument([t.firstName, t.lastName, { email: t.email }, t.company])

export const leads = pgTable(
  'leads',
  {
    ...recordColumns(),
    firstName: text(),
    lastName: text().notNull(),
    email: text(),
    phone: text(),
    company: text(),
    title: text(),
    website: text(),
    industry: text(),
    numberOfEmployees: integer(),
    address: jsonb().$type<Address>(),
    source: text(),
    status: text().notNull().default('open'),
    rating: text(),
    estimatedAmount: numeric({ precision: 14, scale: 2 }),
    currency: text().notNull(),
    campaignId: uuid(),
    score: integer(),
    scoredAt: timestampColumn(),
    /**
     * What produced `score`, compactly (see lead-scoring.facts.ts): engagement
     * counts and points, then the indices of the fit rules that matched in
     * the rules of `scoreRulesVersion`.
     */
    scoreFacts: integer().array(),
    /** The breakdown as scores were stored before score_facts; read only when that is null. */
    scoreBreakdown: jsonb(),
    scoreRulesVersion: integer(),
    doNotCall: boolean().notNull().default(false),
    emailOptOut: boolean().notNull().default(false),
    ownerId: uuid(),
    description: text(),
    convertedAt: timestampColumn(),
    convertedAccountId: uuid(),
    convertedContactId: uuid(),
    convertedOpportunityId: uuid()
  },
  (t) => [
    unique('leads_workspace_id_id_key').on(t.workspaceId, t.id),
    index('leads_search_idx').using('gin', leadsSearch(t)),
    index('leads_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('leads_workspace_id_email_idx').on(t.workspaceId, sql`lower(${t.email})`),
    index('leads_workspace_id_campaign_id_idx').on(t.workspaceId, t.campaignId),
    sameWorkspace('leads_campaign_id_fkey', [t.workspaceId, t.campaignId], [campaigns.workspaceId, campaigns.id]),
    sameWorkspace('leads_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id]),
    sameWorkspace(
      'leads_converted_account_id_fkey',
      [t.workspaceId, t.convertedAccountId],
      [accounts.workspaceId, accounts.id]
    ),
    sameWorkspace(
      'leads_converted_contact_id_fkey',
      [t.workspaceId, t.convertedContactId],
      [contacts.workspaceId, contacts.id]
    ),
    sameWorkspace(
      'leads_converted_opportunity_id_fkey',
      [t.workspaceId, t.convertedOpportunityId],
      [opportunities.workspaceId, opportunities.id]
    )
  ]
)
