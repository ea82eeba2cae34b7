import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/**
 * Full-text search over a record's names, emails, companies and subjects.
 * The document is one immutable expression, used both by the GIN index of
 * the table and by the `q` condition of its queries, so Postgres matches the
 * two and answers `q` from the index on any number of rows.
 *
 * The 'simple' configuration lowercases and does not stem: CRM searches are
 * for names and addresses, which stemming would mangle. An email is indexed
 * whole and split at its punctuation, so "grace", "globex" and
 * "grace.hopper@globex.example" all find it.
 */
export type SearchPart = AnyPgColumn | { email: AnyPgColumn }

export function searchDocument (parts: readonly SearchPart[]): SQL {
  const pieces = parts.map((part) =>
    'email' in part && !('name' in part)
      ? sql`coalesce(${part.email}, '') || ' ' || coalesce(translate(${part.email}, '@.+_-', '     '), '')`
      : sql`coalesce(${part as AnyPgColumn}, '')`
  )
  return sql`to_tsvector('simple'::regconfig, ${sql.join(pieces, sql` || ' ' || `)})`
}

/** At most this many words of `q` are used. */
const MAX_TERMS = 16

/**
 * `q` as a tsquery: every word must appear, each as a prefix. Words are cut
 * into their letters and digits, so nothing of the tsquery syntax can reach
 * Postgres from the caller; the text is still sent as a bound parameter.
 */
export function searchQuery (q: string | undefined): string | undefined {
  if (q === undefined) return undefined
  const terms = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  if (terms.length === 0) return undefined
  return [...new Set(terms)].slice(0, MAX_TERMS).map((t) => `${t}:*`).join(' & ')
}

/** The condition for `q`, or undefined when `q` holds no word. */
export function matchesSearch (document: SQL, q: string | undefined): SQL | undefined {
  const query = searchQuery(q)
  if (query === undefined) return undefined
  return sql`${document} @@ to_tsquery('simple'::regconfig, ${query})`
}
