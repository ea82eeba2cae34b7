import { createHash } from 'node:crypto'

interface Preparable<T> {
  toSQL: () => { sql: string }
  prepare: (name: string) => { execute: (placeholders?: Record<string, unknown>) => Promise<T> }
}

/** The parts of Drizzle's node-postgres prepared query that carry the statement name. */
interface NamedStatement {
  queryString?: unknown
  rawQueryConfig?: { name?: string }
  queryConfig?: { name?: string }
}

const names = new Map<string, string>()

function statementName (tag: string, text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `${tag}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`
    // Bounded by the query shapes the code can build (sorts x filters present).
    if (names.size < 10_000) names.set(text, name)
  }
  return name
}

/**
 * Runs a Drizzle query as a named prepared statement, named after its SQL
 * text: each query shape is parsed and planned once per connection, then
 * reused; values stay bound parameters. The SQL is built once: the name is
 * set on the prepared query after Drizzle renders it (if Drizzle's shape
 * ever changes, it falls back to rendering twice).
 */
export function executePrepared<T> (query: Preparable<T>, tag: string): Promise<T> {
  const prepared = query.prepare('') as ReturnType<Preparable<T>['prepare']> & NamedStatement
  const { queryString, rawQueryConfig, queryConfig } = prepared
  if (typeof queryString !== 'string' || rawQueryConfig === undefined || queryConfig === undefined) {
    return query.prepare(statementName(tag, query.toSQL().sql)).execute()
  }
  const name = statementName(tag, queryString)
  rawQueryConfig.name = name
  queryConfig.name = name
  return prepared.execute()
}

const cached = new WeakMap<object, Map<string, unknown>>()

/**
 * A statement built once per executor with placeholders, for the hottest
 * reads (a record by id). Keyed by the executor, so a statement made inside
 * a transaction is only ever run on that transaction's connection.
 */
export function preparedOnce<T> (executor: object, key: string, build: () => T): T {
  let statements = cached.get(executor)
  if (statements === undefined) {
    statements = new Map()
    cached.set(executor, statements)
  }
  let statement = statements.get(key) as T | undefined
  if (statement === undefined) {
    statement = build()
    statements.set(key, statement)
  }
  return statement
}
