import { insertRecord, onRecordChange, updateRecord } from '../../../lib/records/record-writer.js'
import type { WriteContext } from '../../../lib/records/tenant.js'
import { opportunities } from '../opportunities.table.js'
import { lockPrimaryRole, lockRoleOfContact } from './contact-roles.queries.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'

/**
 * The primary contact role and the opportunity's contactId say one thing
 * twice. The role routes change contactId themselves; this listener covers
 * the other direction, every write of an opportunity that changes its
 * contactId (a PATCH, a create, a lead conversion). Both directions end in
 * the same state, so whichever runs second finds nothing to do, and the
 * listener's own role writes never touch the opportunity: no loop.
 *
 * Opportunities written before this listener existed got their primary role
 * rows from the migration 0002_backfill_primary_contact_roles.
 */
onRecordChange(opportunities, async (ctx, change) => {
  if (change.after === undefined) return
  const before = (change.before?.contactId ?? null) as string | null
  const after = (change.after.contactId ?? null) as string | null
  if (before === after) return
  await followPrimaryContact(ctx, change.after.id as string, after)
})

/**
 * Makes the roles agree with the opportunity's contactId: that contact's
 * role becomes the only primary one, made with role `other` when the
 * contact has none; null leaves no role primary. The caller holds the
 * opportunity's lock (every write of an opportunity and of its roles does).
 */
export async function followPrimaryContact (
  ctx: WriteContext,
  opportunityId: string,
  contactId: string | null
) {
  const workspaceId = ctx.tenant.workspaceId
  const primary = await lockPrimaryRole(ctx.tx, workspaceId, opportunityId)
  if (primary !== undefined && primary.contactId === contactId) return
  if (primary !== undefined) await updateRecord(ctx, roles, primary, { isPrimary: false })
  if (contactId === null) return
  const role = await lockRoleOfContact(ctx.tx, workspaceId, opportunityId, contactId)
  if (role !== undefined) {
    await updateRecord(ctx, roles, role, { isPrimary: true })
  } else {
    await insertRecord(ctx, roles, { opportunityId, contactId, role: 'other', isPrimary: true })
  }
}
