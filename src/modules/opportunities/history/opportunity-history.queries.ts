import { eq, max } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { decodeCursor, encodeCursor } from '../../../lib/list/cursor.js'
import { afterCursor, cursorValues, orderBy } from '../../../lib/list/keyset.js'
import { parseSort } from '../../../lib/list/sort.js'
import { scoped } from '../../../lib/records/tenant.js'
import { opportunityHistory } from './opportunity-history.table.js'

export type HistoryRow = typeof opportunityHistory.$inferSelect
export type NewHistoryRow = Omit<typeof opportunityHistory.$inferInsert, 'workspaceId' | 'changedAt'>

/**
 * Appends one entry. History rows are an append-only log, not records (no
 * version, never changed or deleted), so they are written here rather than
 * through the record writer. `changedAt` is now, or one millisecond after
 * the opportunity's latest entry when the clock has not moved on (two
 * writes in one millisecond, a clock step back): newest first then always
 * reads in the order of the writes, which the lock every opportunity write
 * holds on the row serializes.
 */
export async function insertHistoryEntry (tx: Executor, workspaceId: string, entry: NewHistoryRow) {
  const [latest] = await tx
    .select({ at: max(opportunityHistory.changedAt) })
    .from(opportunityHistory)
    .where(scoped(
      opportunityHistory,
      workspaceId,
      eq(opportunityHistory.opportunityId, entry.opportunityId)
    ))
  const now = Date.now()
  const last = latest?.at == null ? 0 : new Date(latest.at).getTime()
  const changedAt = new Date(Math.max(now, last + 1))
  await tx.insert(opportunityHistory).values({ ...entry, workspaceId, changedAt })
}

// Newest first; the id breaks ties. Cursors are bound to this order.
const ORDER = parseSort(
  '-changedAt',
  { changedAt: { column: opportunityHistory.changedAt, kind: 'timestamp', nullable: false } },
  opportunityHistory.id
)

/**
 * One keyset page of an opportunity's history, newest first. The caller
 * has checked that the opportunity is a live one of the workspace; the
 * query is scoped to the workspace all the same.
 */
export async function listHistory (
  db: Executor,
  workspaceId: string,
  opportunityId: string,
  page: { limit: number, cursor?: string }
): Promise<{ rows: HistoryRow[], nextCursor: string | null }> {
  const { keys, canonical } = ORDER
  const after = page.cursor === undefined
    ? undefined
    : afterCursor(keys, decodeCursor(page.cursor, canonical, keys.length))
  const rows = await db
    .select()
    .from(opportunityHistory)
    .where(scoped(
      opportunityHistory,
      workspaceId,
      eq(opportunityHistory.opportunityId, opportunityId),
      after
    ))
    .orderBy(...orderBy(keys))
    .limit(page.limit + 1)
  if (rows.length <= page.limit) return { rows, nextCursor: null }
  const shown = rows.slice(0, page.limit)
  const last = shown[shown.length - 1] as HistoryRow
  const nextCursor = encodeCursor({ sort: canonical, values: cursorValues(keys, last) })
  return { rows: shown, nextCursor }
}
