import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { BadRequestError, withFieldErrors } from '../errors.js'

export type SortKind = 'timestamp' | 'text' | 'number' | 'date' | 'uuid'

export interface SortableField {
  column: AnyPgColumn
  kind: SortKind
  /** Columns that can hold null sort them last in both directions. */
  nullable: boolean
}

export interface SortKey {
  field: string
  column: AnyPgColumn
  kind: SortKind
  nullable: boolean
  descending: boolean
}

export const MAX_SORT_KEYS = 4

/**
 * Parses `sort=-createdAt,name` against the resource's sortable fields; the
 * id is always appended as the final tiebreak, in the direction of the last key.
 */
export function parseSort (
  raw: string | undefined,
  sortable: Record<string, SortableField>,
  id: AnyPgColumn,
  fallback = '-createdAt'
): { keys: SortKey[], canonical: string } {
  const text = raw ?? fallback
  const parts = text.split(',')
  if (parts.length > MAX_SORT_KEYS) {
    throw sortError(`sort takes at most ${MAX_SORT_KEYS} fields`)
  }
  const seen = new Set<string>()
  const keys: SortKey[] = parts.map((part) => {
    const descending = part.startsWith('-')
    const field = descending ? part.slice(1) : part
    const def = Object.hasOwn(sortable, field) ? sortable[field] : undefined
    if (def === undefined) {
      const known = Object.keys(sortable).join(', ')
      throw sortError(`cannot sort by "${field}"; sortable fields: ${known}`)
    }
    if (seen.has(field)) throw sortError(`"${field}" appears twice in sort`)
    seen.add(field)
    return { field, descending, ...def }
  })
  if (!seen.has('id')) {
    const last = keys[keys.length - 1]
    keys.push({ field: 'id', column: id, kind: 'uuid', nullable: false, descending: last?.descending ?? false })
  }
  return { keys, canonical: keys.map((k) => (k.descending ? '-' : '') + k.field).join(',') }
}

function sortError (message: string) {
  return withFieldErrors(new BadRequestError(message), [{ pointer: 'sort', message }])
}
