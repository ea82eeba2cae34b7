import { eq } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { deleteRecord } from '../../../lib/records/record-writer.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'

/**
 * Tenant-scoped reads of an opportunity's contact roles. A role is only
 * found through its opportunity; the lock* variants hold the row until the
 * transaction ends (callers hold the opportunity's lock first).
 */

export type ContactRoleRow = typeof roles.$inferSelect & { id: string, version: number }

const ofOpportunity = (workspaceId: string, opportunityId: string) =>
  scoped(roles, workspaceId, eq(roles.opportunityId, opportunityId))

export async function getContactRole (
  db: Executor,
  workspaceId: string,
  opportunityId: string,
  id: string
): Promise<ContactRoleRow | undefined> {
  const [row] = await db.select().from(roles).where(scoped(
    roles, workspaceId, eq(roles.opportunityId, opportunityId), eq(roles.id, id)
  ))
  return row
}

export async function lockContactRole (
  tx: Executor,
  workspaceId: string,
  opportunityId: string,
  id: string
): Promise<ContactRoleRow | undefined> {
  const [row] = await tx
    .select()
    .from(roles)
    .where(scoped(roles, workspaceId, eq(roles.opportunityId, opportunityId), eq(roles.id, id)))
    .for('update')
  return row
}

/** The live role of one contact on the opportunity (at most one, by the unique index). */
export async function lockRoleOfContact (
  tx: Executor,
  workspaceId: string,
  opportunityId: string,
  contactId: string
): Promise<ContactRoleRow | undefined> {
  const [row] = await tx
    .select()
    .from(roles)
    .where(scoped(
      roles, workspaceId, eq(roles.opportunityId, opportunityId), eq(roles.contactId, contactId)
    ))
    .for('update')
  return row
}

/** The live primary role of the opportunity (at most one, by the unique index). */
export async function lockPrimaryRole (
  tx: Executor,
  workspaceId: string,
  opportunityId: string
): Promise<ContactRoleRow | undefined> {
  const [row] = await tx
    .select()
    .from(roles)
    .where(scoped(
      roles, workspaceId, eq(roles.opportunityId, opportunityId), eq(roles.isPrimary, true)
    ))
    .for('update')
  return row
}

/** Removes every live role of an opportunity that is being deleted, through the record writer. */
export async function removeContactRoles (ctx: WriteContext, opportunityId: string) {
  const rows = await ctx.tx
    .select()
    .from(roles)
    .where(ofOpportunity(ctx.tenant.workspaceId, opportunityId))
    .for('update')
  for (const row of rows) await deleteRecord(ctx, roles, row)
}
