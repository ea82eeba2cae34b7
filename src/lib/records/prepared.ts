import { createHash } from 'node:crypto'

interface Preparable<T> {
  toSQL: () => { sql: string }
  prepare: (name: string) => { execute: () => Promise<T> }
}

const names = new Map<string, string>()

/**
 * Runs a Drizzle query as a named prepared statement. The name is derived
 * from the SQL text, so every query shape is parsed and planned once per
 * connection and then reused; values stay bound parameters. The hot reads
 * (a record by id, a list page) go through here.
 */
export function executePrepared<T> (query: Preparable<T>, tag: string): Promise<T> {
  const text = query.toSQL().sql
  let name = names.get(text)
  if (name === undefined) {
    name = `${tag}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`
    // The map is bounded by the number of query shapes the code can build
    // (sorts x filters present), so it stays small.
    if (names.size < 10_000) names.set(text, name)
  }
  return query.prepare(name).execute()
}
