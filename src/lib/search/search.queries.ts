import { count, type SQL } from 'drizzle-orm'
import { matchesSearch } from '../../db/full-text.js'
import type { Database, Executor } from '../../db/pool.js'
import { scoped } from '../records/tenant.js'
import { listRecords } from '../resource/resource.queries.js'
import type { ResourceDefinition, Row } from '../resource/resource.js'
import type { SearchCatalogue } from './search.fields.js'
import { checkedFilter } from './search.filter.js'
import { filterCondition } from './search.sql.js'

export interface SearchBody {
  filter?: unknown
  q?: string
  sort?: string
  limit?: number
  cursor?: string
  includeTotal?: boolean
}

export interface SearchPage<R> {
  rows: R[]
  nextCursor: string | null
  total?: number
}

/** How many live rows of the workspace match `q` and the filter. */
async function countMatches (
  db: Executor,
  def: ResourceDefinition,
  workspaceId: string,
  q: string | undefined,
  filter: SQL | undefined
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(def.table)
    .where(scoped(def.table, workspaceId, matchesSearch(def.search, q), filter))
  return row?.n ?? 0
}

/**
 * One keyset page of the records matching a checked body, scoped to the
 * workspace by listRecords (parents are scoped inside their subqueries).
 * With includeTotal the page and the count are read in one repeatable-read
 * snapshot, so `total` agrees with the rows served. A bad filter throws
 * the 400 problem that names it.
 */
export async function searchRecords<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  catalogue: SearchCatalogue,
  workspaceId: string,
  body: SearchBody
): Promise<SearchPage<R>> {
  const page = async (executor: Executor) => {
    const condition = body.filter === undefined
      ? undefined
      : filterCondition({ db: executor, workspaceId }, checkedFilter(catalogue, body.filter))
    const query = { limit: body.limit, cursor: body.cursor, sort: body.sort, q: body.q }
    const result = await listRecords(executor, def, workspaceId, query, condition, { callerShaped: true })
    return { result, condition }
  }
  if (body.includeTotal !== true) return (await page(db)).result
  return db.transaction(async (tx) => {
    const { result, condition } = await page(tx)
    const generic = def as unknown as ResourceDefinition
    const total = await countMatches(tx, generic, workspaceId, body.q, condition)
    return { ...result, total }
  }, { isolationLevel: 'repeatable read', accessMode: 'read only' })
}
