import { count, eq, sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { deleteRecord } from '../../../lib/records/record-writer.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { opportunityLineItems as items } from './line-items.table.js'

/**
 * Tenant-scoped reads and the bulk removal of an opportunity's line items.
 * A line item is only ever found through its opportunity: an id under
 * another opportunity is not found.
 */

export type LineItemRow = typeof items.$inferSelect & { id: string, version: number }

const ofOpportunity = (workspaceId: string, opportunityId: string, id: string) =>
  scoped(items, workspaceId, eq(items.opportunityId, opportunityId), eq(items.id, id))

/** The live line item of the opportunity, or undefined. */
export async function getLineItem (
  db: Executor,
  workspaceId: string,
  opportunityId: string,
  id: string
): Promise<LineItemRow | undefined> {
  const [row] = await db.select().from(items).where(ofOpportunity(workspaceId, opportunityId, id))
  return row
}

/** Like getLineItem, and locks the row until the transaction ends. */
export async function lockLineItem (
  tx: Executor,
  workspaceId: string,
  opportunityId: string,
  id: string
): Promise<LineItemRow | undefined> {
  const [row] = await tx
    .select()
    .from(items)
    .where(ofOpportunity(workspaceId, opportunityId, id))
    .for('update')
  return row
}

/** How many live line items the opportunity has and the exact sum of their totals. */
export async function lineItemTotals (
  tx: Executor,
  workspaceId: string,
  opportunityId: string
): Promise<{ count: number, sum: string }> {
  const [row] = await tx
    .select({
      count: count(),
      // numeric sums are exact; the text keeps them out of floats.
      sum: sql<string>`coalesce(sum(${items.totalPrice}), 0)::text`
    })
    .from(items)
    .where(scoped(items, workspaceId, eq(items.opportunityId, opportunityId)))
  return { count: row?.count ?? 0, sum: row?.sum ?? '0' }
}

export async function hasLineItems (tx: Executor, workspaceId: string, opportunityId: string) {
  const [row] = await tx
    .select({ id: items.id })
    .from(items)
    .where(scoped(items, workspaceId, eq(items.opportunityId, opportunityId)))
    .limit(1)
  return row !== undefined
}

/**
 * Removes every live line item of an opportunity that is being deleted,
 * through the record writer; the opportunity's amount is left alone.
 */
export async function removeLineItems (ctx: WriteContext, opportunityId: string) {
  const rows = await ctx.tx
    .select()
    .from(items)
    .where(scoped(items, ctx.tenant.workspaceId, eq(items.opportunityId, opportunityId)))
    .for('update')
  for (const row of rows) await deleteRecord(ctx, items, row)
}
