import type { Database } from '../../../db/pool.js'
import { ValidationError, withFieldErrors } from '../../../lib/errors.js'
import { updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { lockRecord, missingReferences } from '../../../lib/resource/resource.queries.js'
import { accountTarget } from '../../accounts/accounts.resource.js'
import { contactTarget } from '../../contacts/contacts.resource.js'
import { activeUser } from '../../users/users.references.js'
import { LeadConvertedError, LeadUnqualifiedError } from '../leads.errors.js'
import { leadResource } from '../leads.resource.js'
import { leads } from '../leads.table.js'
import { chooseAccount } from './lead-conversion.account.js'
import { chooseContact } from './lead-conversion.contact.js'
import { otherLeadsWithEmail } from './lead-conversion.matching.js'
import { createOpportunity } from './lead-conversion.opportunity.js'
import { assertLive, type NamedReference } from '../../../lib/resource/resource.references.js'
import type { ConversionOptions, Duplicate, LeadConversion } from './lead-conversion.schemas.js'

type LeadRow = typeof leads.$inferSelect

/** Carries a dry run's answer out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor (readonly conversion: LeadConversion) {
    super('dry run: rolled back')
  }
}

/**
 * Converts one lead of the caller's workspace in one transaction, all or
 * nothing: the account, the contact, the opportunity and the lead's new
 * status commit together, or a thrown problem leaves everything as it was.
 * A dry run does the very same work and rolls it back, so its plan and its
 * refusals are exactly those of the real conversion; the ids of records it
 * would create are null.
 */
export async function convertLead (
  db: Database,
  tenant: Tenant,
  leadId: string,
  options: ConversionOptions
): Promise<LeadConversion> {
  const dryRun = options.dryRun === true
  try {
    return await db.transaction(async (tx) => {
      const conversion = await convert({ tx, tenant }, leadId, options, dryRun)
      if (dryRun) throw new DryRunRollback(conversion)
      return conversion
    })
  } catch (error) {
    if (error instanceof DryRunRollback) return error.conversion
    throw error
  }
}

async function convert (
  ctx: WriteContext,
  leadId: string,
  options: ConversionOptions,
  dryRun: boolean
): Promise<LeadConversion> {
  // The lead first: a second conversion of it waits here, then sees it converted.
  const lead = await lockRecord(ctx.tx, leadResource, ctx.tenant.workspaceId, leadId)
  if (lead === undefined) throw notFound(leadResource, leadId)
  if (lead.status === 'converted') throw new LeadConvertedError(lead.id)
  if (lead.status === 'unqualified') throw new LeadUnqualifiedError(lead.id)
  const withOpportunity = options.createOpportunity !== false
  if (!withOpportunity && options.opportunity !== undefined) throw contradiction()
  await assertNamed(ctx, options)
  const ownerId = await ownerOf(ctx, lead, options.ownerId)

  const duplicates: Duplicate[] = []
  const account = await chooseAccount(ctx, lead, options.accountId, ownerId, duplicates)
  const contact = await chooseContact(
    ctx, lead, account.row, options.contactId, ownerId, duplicates
  )
  const opportunity = withOpportunity
    ? await createOpportunity(
      ctx, lead, account.row, contact.row, options.opportunity ?? {},
      options.contactRole ?? 'decision_maker', ownerId
    )
    : undefined
  for (const id of await otherLeadsWithEmail(ctx, lead)) {
    duplicates.push({ resource: 'lead', id, reason: 'same_email' })
  }

  const converted = await updateRecord(ctx, leads, lead, {
    status: 'converted',
    convertedAt: new Date(),
    convertedAccountId: account.row.id,
    convertedContactId: contact.row.id,
    convertedOpportunityId: opportunity?.id ?? null
  })
  return {
    dryRun,
    lead: leadResource.toDto(dryRun ? lead : converted),
    account: shown(dryRun, account.outcome),
    contact: shown(dryRun, contact.outcome),
    opportunity: opportunity === undefined
      ? null
      : shown(dryRun, { id: opportunity.id, action: 'created' as const }),
    duplicates
  }
}

/** A dry run shows the lead as it stays, and what it would create has no id yet. */
function shown<T extends { id: string | null, action: string }> (dryRun: boolean, outcome: T): T {
  return dryRun && outcome.action === 'created' ? { ...outcome, id: null } : outcome
}

function contradiction () {
  const message = 'must not be given when createOpportunity is false'
  return withFieldErrors(
    new ValidationError(`body/opportunity ${message}`),
    [{ pointer: '/opportunity', message }]
  )
}

/** The records the caller names, all checked at once so one answer lists every bad id. */
async function assertNamed (ctx: WriteContext, options: ConversionOptions) {
  const named: NamedReference[] = []
  if (options.accountId !== undefined) {
    named.push({ field: 'accountId', target: accountTarget(), id: options.accountId })
  }
  if (options.contactId !== undefined) {
    named.push({ field: 'contactId', target: contactTarget(), id: options.contactId })
  }
  if (options.ownerId !== undefined) {
    named.push({ field: 'ownerId', target: activeUser(), id: options.ownerId })
  }
  await assertLive(ctx, named)
}

/** Who owns what the conversion creates: the one named, the lead's owner while active, or the caller. */
async function ownerOf (ctx: WriteContext, lead: LeadRow, ownerId: string | undefined) {
  if (ownerId !== undefined) return ownerId
  if (lead.ownerId !== null) {
    const missing = await missingReferences(
      ctx.tx, activeUser(), ctx.tenant.workspaceId, [lead.ownerId]
    )
    if (missing.size === 0) return lead.ownerId
  }
  return ctx.tenant.userId
}
