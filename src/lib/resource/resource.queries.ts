import { createHash } from 'node:crypto'
import { and, count, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { afterCursor, cursorValues, orderBy, parseCursorValues } from '../list/keyset.js'
import { decodeCursor, encodeCursor } from '../list/cursor.js'
import { matchesSearch } from '../../db/full-text.js'
import { filterConditions } from '../list/filters.js'
import { parseSort, type SortKey } from '../list/sort.js'
import { executePrepared, preparedOnce } from '../records/prepared.js'
import { scoped } from '../records/tenant.js'
import type { AnyResourceDefinition, ReferenceTarget, ResourceDefinition, Row } from './resource.js'

/**
 * Generic, tenant-scoped reads of a resource. Every function takes the
 * workspace id and adds it to the query itself; a row of another workspace
 * is simply not found.
 */

/** The live row, or undefined when absent, deleted or of another workspace. */
export async function getRecord<R extends Row> (
  db: Executor,
  def: ResourceDefinition<R>,
  workspaceId: string,
  id: string
): Promise<R | undefined> {
  const statement = preparedOnce(db, `get_${def.plural}`, () =>
    db
      .select()
      .from(def.table)
      .where(scoped(
        def.table,
        sql.placeholder('workspaceId'),
        eq(def.table.id, sql.placeholder('id'))
      ))
      .limit(1)
      .prepare(`get_${def.plural}`)
  )
  const rows = await statement.execute({ workspaceId, id })
  return rows[0] as R | undefined
}

/** Like getRecord, and locks the row until the transaction ends. */
export async function lockRecord<R extends Row> (
  tx: Executor,
  def: ResourceDefinition<R>,
  workspaceId: string,
  id: string
): Promise<R | undefined> {
  const rows = await tx
    .select()
    .from(def.table)
    .where(scoped(def.table, workspaceId, eq(def.table.id, id)))
    .for('update')
  return rows[0] as R | undefined
}

export interface ListQuery {
  limit?: number
  cursor?: string
  sort?: string
  q?: string
  [filter: string]: unknown
}

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200

/**
 * One keyset page. `extra` narrows the list further (a parent's children).
 * Fetches one row more than asked to know whether a next page exists.
 */
export async function listRecords<R extends Row> (
  db: Executor,
  def: ResourceDefinition<R>,
  workspaceId: string,
  query: ListQuery,
  extra?: SQL,
  options: { callerShaped?: boolean } = {}
): Promise<{ rows: R[], nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_LIMIT
  const { keys, canonical } = parseSort(query.sort, def.sortable, def.table.id)
  const cursor = query.cursor === undefined
    ? undefined
    : decodeCursor(query.cursor, canonical, keys.length)
  const conditions: (SQL | undefined)[] = [
    ...filterConditions(def.filters, query),
    matchesSearch(def.search, query.q),
    extra
  ]
  const rows = conditions.every((c) => c === undefined)
    ? await plainPage(db, def, workspaceId, keys, canonical, cursor, limit)
    : (await filteredPage(
        db
          .select()
          .from(def.table)
          .where(scoped(def.table, workspaceId, ...conditions, cursor && afterCursor(keys, cursor)))
          .orderBy(...orderBy(keys))
          .limit(limit + 1),
        `list_${def.plural}`,
        options.callerShaped === true
      )) as R[]
  if (rows.length <= limit) return { rows, nextCursor: null }
  const page = rows.slice(0, limit)
  const last = page[page.length - 1] as R
  return {
    rows: page,
    nextCursor: encodeCursor({ sort: canonical, values: cursorValues(keys, last) })
  }
}

/**
 * A filtered page runs as a prepared statement named after its SQL, so each
 * shape is planned once per connection; the shapes of lists are bounded by
 * their filters. A search's filter tree is shaped by the caller, so naming
 * it would let one caller fill every connection with statements: it runs
 * unnamed.
 */
function filteredPage<T> (
  query: Parameters<typeof executePrepared<T>>[0] & PromiseLike<T>,
  tag: string,
  callerShaped: boolean
): PromiseLike<T> {
  return callerShaped ? query : executePrepared(query, tag)
}

/**
 * A page with no filter: the commonest list (a frontend's first screen and
 * every page after it). Its statement depends only on the sort and on which
 * cursor values are null, so it is built once per shape with placeholders.
 */
async function plainPage<R extends Row> (
  db: Executor,
  def: ResourceDefinition<R>,
  workspaceId: string,
  keys: SortKey[],
  canonical: string,
  cursor: unknown[] | undefined,
  limit: number
): Promise<R[]> {
  const parsed = cursor === undefined ? undefined : parseCursorValues(keys, cursor)
  const shape = parsed === undefined
    ? 'first'
    : parsed.map((v) => (v === null ? 'n' : 'v')).join('')
  const hash = createHash('sha1').update(`${canonical} ${shape}`).digest('hex').slice(0, 12)
  const name = `page_${def.plural}_${hash}`
  const statement = preparedOnce(db, name, () => {
    const after = cursor === undefined
      ? undefined
      : afterCursor(keys, cursor, (i) => sql.placeholder(`c${i}`))
    return db
      .select()
      .from(def.table)
      .where(scoped(def.table, sql.placeholder('workspaceId'), after))
      .orderBy(...orderBy(keys))
      .limit(sql.placeholder('limit'))
      .prepare(name)
  })
  const values: Record<string, unknown> = { workspaceId, limit: limit + 1 }
  parsed?.forEach((v, i) => { if (v !== null) values[`c${i}`] = v })
  return (await statement.execute(values)) as R[]
}

/**
 * The ids among `ids` that name no live row of the target in the workspace.
 * Found rows are locked FOR SHARE, so a concurrent delete waits for this
 * transaction and then sees the new reference.
 */
export async function missingReferences (
  tx: Executor,
  target: ReferenceTarget,
  workspaceId: string,
  ids: string[]
): Promise<Set<string>> {
  const table = target.table
  const rows = await tx
    .select({ id: table.id })
    .from(table)
    .where(scoped(table, workspaceId, inArray(table.id, ids), target.condition))
    .for('share')
  const found = new Set(rows.map((r) => r.id as string))
  return new Set(ids.filter((id) => !found.has(id)))
}

/** How many live rows of each inbound reference point at the record. */
export async function countInbound (
  tx: Executor,
  def: AnyResourceDefinition,
  workspaceId: string,
  id: string
): Promise<{ label: string, count: number }[]> {
  const out: { label: string, count: number }[] = []
  for (const ref of def.referencedBy) {
    const table = ref.table()
    const [row] = await tx
      .select({ n: count() })
      .from(table)
      .where(and(scoped(table, workspaceId), eq(ref.column(), id)))
    if (row !== undefined && row.n > 0) out.push({ label: ref.label, count: row.n })
  }
  return out
}
