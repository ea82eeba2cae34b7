import { AsyncLocalStorage } from 'node:async_hooks'
import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { AppDeps } from '../../deps.js'
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

/**
 * Work a write asks for once its transaction is over, such as queueing a
 * job that reads the committed rows (lead scoring). Listeners run inside the
 * transaction and know nothing of Redis; they hand such work to the write
 * scope the caller runs in (an HTTP request opens one, see
 * lead-scoring.write-scope.ts; a worker may wrap its work in
 * `withWriteScope`). The scope runs it when the work it wraps has ended,
 * committed or rolled back alike, so the work must be harmless after a
 * rollback: a job that recomputes from committed data is. Items with the
 * same key are handed to one flush, so a request that writes a thousand rows
 * makes one call. Outside a scope `afterWrites` answers false and nothing is
 * deferred.
 */
export type WriteFlush<T> = (deps: AppDeps, items: T[]) => Promise<void>

export interface WriteScope {
  deps: AppDeps
  batches: Map<string, { items: unknown[], flush: WriteFlush<unknown> }>
}

const writeScopes = new AsyncLocalStorage<WriteScope>()

export function openWriteScope (deps: AppDeps): WriteScope {
  return { deps, batches: new Map() }
}

/** Runs `fn` (and everything it starts) inside `scope`. */
export function runInWriteScope<T> (scope: WriteScope, fn: () => T): T {
  return writeScopes.run(scope, fn)
}

/**
 * Runs the scope's deferred work, each key once; a failing flush is logged
 * and does not stop the others (the writes are over, nothing to undo).
 */
export async function closeWriteScope (scope: WriteScope): Promise<void> {
  const batches = [...scope.batches]
  scope.batches.clear()
  for (const [key, batch] of batches) {
    try {
      await batch.flush(scope.deps, batch.items)
    } catch (err) {
      scope.deps.logger.warn({ err, key, items: batch.items.length }, 'deferred write work failed')
    }
  }
}

/** Runs `work` in a fresh write scope and its deferred work after it, even when it throws. */
export async function withWriteScope<T> (deps: AppDeps, work: () => Promise<T>): Promise<T> {
  const scope = openWriteScope(deps)
  try {
    return await runInWriteScope(scope, work)
  } finally {
    await closeWriteScope(scope)
  }
}

/** Defers `item` to the end of the current write scope; false when there is none. */
export function afterWrites<T> (key: string, item: T, flush: WriteFlush<T>): boolean {
  const scope = writeScopes.getStore()
  if (scope === undefined) return false
  let batch = scope.batches.get(key)
  if (batch === undefined) {
    batch = { items: [], flush: flush as WriteFlush<unknown> }
    scope.batches.set(key, batch)
  }
  batch.items.push(item)
  return true
}
