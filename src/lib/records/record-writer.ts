import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import { scoped, type TenantTable, type WriteContext } from './tenant.js'

/**
 * The one place where a record of a workspace is written. Every insert,
 * change and delete of the resources goes through these three functions, so
 * the version counter, updatedAt and the change listeners (an opportunity's
 * history now; webhooks and the audit trail later) are kept in one spot.
 */

type RecordTable = PgTable & TenantTable & { version: TenantTable['id'], updatedAt: TenantTable['id'] }
type Row = Record<string, unknown>

/**
 * What a write did to one record: `before` is undefined for an insert,
 * `after` is undefined for a delete. Listeners run inside the write's
 * transaction, so what they record commits or rolls back with it.
 */
export interface RecordChange {
  table: PgTable
  before: Row | undefined
  after: Row | undefined
}
export type ChangeListener = (ctx: WriteContext, change: RecordChange) => Promise<void>

const listeners = new Map<PgTable, ChangeListener[]>()

/**
 * Runs `listener` after every insert, change and delete of `table` made
 * through this module (an opportunity's history today; webhooks and the
 * audit trail later). Register at module load, once per listener.
 */
export function onRecordChange (table: PgTable, listener: ChangeListener) {
  const list = listeners.get(table) ?? []
  list.push(listener)
  listeners.set(table, list)
}

async function emit (ctx: WriteContext, change: RecordChange) {
  for (const listener of listeners.get(change.table) ?? []) await listener(ctx, change)
}

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
  await emit(ctx, { table, before: undefined, after: row as Row })
  return row as T
}

/**
 * Inserts many rows in one statement (bulk adds, imports). `onConflictDoNothing`
 * skips rows a unique index already holds; only the rows inserted are returned
 * and reported to the listeners.
 */
export async function insertRecords<T extends Row> (
  ctx: WriteContext,
  table: RecordTable,
  values: Row[],
  options: { onConflictDoNothing?: boolean } = {}
): Promise<T[]> {
  if (values.length === 0) return []
  const now = new Date()
  const insert = ctx.tx
    .insert(table)
    .values(values.map((v) => ({ ...v, workspaceId: ctx.tenant.workspaceId, createdAt: now, updatedAt: now, version: 1 })))
  const rows = (options.onConflictDoNothing === true
    ? await insert.onConflictDoNothing().returning()
    : await insert.returning()) as Row[]
  for (const row of rows) await emit(ctx, { table, before: undefined, after: row })
  return rows as T[]
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
  await emit(ctx, { table, before: current, after: row as Row })
  return row as T
}

/**
 * One set-based change of every live row of the workspace that `where`
 * selects (a stage's new flags copied to its opportunities), bumping each
 * version. Listeners are not called: use it only for derived columns that
 * no listener records.
 */
export async function updateRecordsWhere (
  ctx: WriteContext,
  table: RecordTable,
  where: SQL,
  changes: Row
): Promise<number> {
  const rows = await ctx.tx
    .update(table)
    .set({ ...changes, updatedAt: new Date(), version: sql`${table.version} + 1` })
    .where(scoped(table, ctx.tenant.workspaceId, where))
    .returning({ id: table.id })
  return rows.length
}

/** Soft delete: the row stays for references and history, out of every read. */
export async function deleteRecord (ctx: WriteContext, table: RecordTable, current: Row): Promise<void> {
  if (table.deletedAt === undefined) throw new Error('deleteRecord needs a soft-delete table')
  await ctx.tx
    .update(table)
    .set({ deletedAt: new Date(), updatedAt: new Date(), version: sql`${table.version} + 1` })
    .where(and(eq(table.workspaceId, ctx.tenant.workspaceId), eq(table.id, current.id)))
  await emit(ctx, { table, before: current, after: undefined })
}

function sameValue (a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    return JSON.stringify(a) === JSON.stringify(b)
  }
  return a === b
}
