import { eq } from 'drizzle-orm'
import { insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { missingReferences } from '../../../lib/resource/resource.queries.js'
import type { Row } from '../../../lib/resource/resource.js'
import type { accounts } from '../../accounts/accounts.table.js'
import { campaignTarget } from '../../campaigns/campaigns.resource.js'
import type { contacts } from '../../contacts/contacts.table.js'
import { opportunityContactRoles } from '../../opportunities/contact-roles/contact-roles.table.js'
import { opportunityResource } from '../../opportunities/opportunities.resource.js'
import type { opportunities } from '../../opportunities/opportunities.table.js'
import type { leads } from '../leads.table.js'
import { clip } from './lead-conversion.account.js'
import { checkReferences } from '../../../lib/resource/resource.references.js'
import { pointingUnder } from './lead-conversion.records.js'
import type { ConversionOptions } from './lead-conversion.schemas.js'

type OpportunityRow = typeof opportunities.$inferSelect & Row
type LeadRow = typeof leads.$inferSelect

type Role = NonNullable<ConversionOptions['contactRole']>

/** "Globex Corporation – Grace Hopper", within the name's 255 characters. */
function defaultName (accountName: string, lead: LeadRow): string {
  const person = [lead.firstName, lead.lastName].filter(Boolean).join(' ')
  return clip(`${accountName} – ${person}`, 255)
}

/** The lead's campaign while it is live; a deleted campaign is not linked again. */
async function liveCampaign (ctx: WriteContext, campaignId: string | null) {
  if (campaignId === null) return undefined
  const missing = await missingReferences(
    ctx.tx, campaignTarget(), ctx.tenant.workspaceId, [campaignId]
  )
  return missing.size === 0 ? campaignId : undefined
}

/**
 * The conversion's opportunity, made through the opportunity resource's own
 * rules (stage and its probability, closing, currency) from the caller's
 * values and the lead's, then the contact made its primary contact with
 * `role`. Its rule errors point into `/opportunity`.
 */
export async function createOpportunity (
  ctx: WriteContext,
  lead: LeadRow,
  account: typeof accounts.$inferSelect,
  contact: typeof contacts.$inferSelect,
  input: NonNullable<ConversionOptions['opportunity']>,
  role: Role,
  ownerId: string
): Promise<OpportunityRow> {
  const body = {
    ...input,
    name: input.name ?? defaultName(account.name, lead),
    amount: input.amount ?? lead.estimatedAmount ?? undefined,
    accountId: account.id,
    contactId: contact.id,
    source: lead.source ?? undefined,
    campaignId: await liveCampaign(ctx, lead.campaignId),
    leadId: lead.id,
    currency: lead.currency,
    ownerId
  }
  const values = await pointingUnder(
    '/opportunity', () => opportunityResource.prepareCreate(ctx, body)
  )
  await checkReferences(ctx, opportunityResource, values)
  const row = await insertRecord<OpportunityRow>(ctx, opportunityResource.table, values)
  await makePrimary(ctx, row.id, contact.id, role)
  return row
}

/**
 * Makes the contact the opportunity's primary contact with `role`. A writer
 * of opportunities may already have added the contact (as primary, role
 * `other`) when the opportunity was inserted: that row is changed, else
 * one is added.
 */
async function makePrimary (
  ctx: WriteContext,
  opportunityId: string,
  contactId: string,
  role: Role
) {
  const t = opportunityContactRoles
  const [existing] = await ctx.tx
    .select()
    .from(t)
    .where(scoped(
      t, ctx.tenant.workspaceId, eq(t.opportunityId, opportunityId), eq(t.contactId, contactId)
    ))
    .for('update')
  if (existing !== undefined) {
    await updateRecord(ctx, t, existing, { role, isPrimary: true })
    return
  }
  await insertRecord(ctx, t, { opportunityId, contactId, role, isPrimary: true })
}
