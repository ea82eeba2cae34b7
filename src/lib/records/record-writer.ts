import { and, eq, sql } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { TenantTable, WriteContext } from './tenant.js'

/**
 * The one place where a record of a workspace is written. Every insert,
 * change and delete of the resources goes through these three functions, so
 * the version counter, updatedAt and (later) the change events of webhooks
 * and the audit history are kept in one spot.
 */

type RecordTable = PgTable & TenantTable & { version: TenantTable['id'], updatedAt: TenantTable['id'] }
type Row = Record<string, unknown>

export async function insertRecord<T extends Row> (
  ctx: WriteContext,
  table: RecordTable,
  values: Row
): Promise<T> {
  const now = new Date()
  const [row] = await ctx.tx
    .insert(table)
    // A module may fix the creation time itself, when other fields derive
    // from it (a case's SLA due times).
    .values({
      ...values,
      workspaceId: ctx.tenant.workspaceId,
      createdAt: values.createdAt ?? now,
      updatedAt: values.createdAt ?? now,
      version: 1
    })
    .returning()
  return row as T
}

/**
 * Writes the changed fields and bumps the version. The caller holds the row
 * lock (loaded FOR UPDATE in the same transaction); nothing is written when
 * no field differs, and the current row is returned unchanged.
 */
export async function updateRecord<T extends Row> (
  ctx: WriteContext,
  table: RecordTable,
  current: T,
  changes: Row
): Promise<T> {
  const changed = Object.fromEntries(
    Object.entries(changes).filter(([k, v]) => !sameValue(current[k], v))
  )
  if (Object.keys(changed).length === 0) return current
  const [row] = await ctx.tx
    .update(table)
    .set({ ...changed, updatedAt: new Date(), version: sql`${table.version} + 1` })
    .where(and(eq(table.workspaceId, ctx.tenant.workspaceId), eq(table.id, current.id)))
    .returning()
  return row as T
}

/** Soft delete: the row stays for references and history, out of every read. */
export async function deleteRecord (ctx: WriteContext, table: RecordTable, current: Row): Promise<void> {
  if (table.deletedAt === undefined) throw new Error('deleteRecord needs a soft-delete table')
  await ctx.tx
    .update(table)
    .set({ deletedAt: new Date(), updatedAt: new Date(), version: sql`${table.version} + 1` })
    .where(and(eq(table.workspaceId, ctx.tenant.workspaceId), eq(table.id, current.id)))
}

function sameValue (a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    return JSON.stringify(a) === JSON.stringify(b)
  }
  return a === b
}
