import { and, asc, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { BadRequestError, withFieldErrors } from '../errors.js'
import type { SortKey } from './sort.js'

/** ORDER BY for the keys; nulls always last, matching the list indexes. */
export function orderBy (keys: SortKey[]): SQL[] {
  return keys.map((k) => (k.descending ? sql`${desc(k.column)} nulls last` : sql`${asc(k.column)} nulls last`))
}

/** The value of each key in a row, as it goes into a cursor (JSON-safe). */
export function cursorValues (keys: SortKey[], row: Record<string, unknown>): unknown[] {
  return keys.map((k) => {
    const value = row[k.field]
    return value instanceof Date ? value.toISOString() : (value ?? null)
  })
}

/**
 * The condition "after the cursor row" for a keyset page. Null sorts last in
 * both directions, so after a non-null value come larger (or smaller) values
 * and then the nulls; after a null only nulls with a later tiebreak.
 */
export function afterCursor (
  keys: SortKey[],
  values: unknown[],
  bind: (index: number, value: unknown) => unknown = (_i, value) => value
): SQL | undefined {
  const parsed = parseCursorValues(keys, values)
  const build = (i: number): SQL | undefined => {
    const key = keys[i]
    if (key === undefined) return undefined
    const rest = build(i + 1)
    if (parsed[i] === null) {
      return rest === undefined ? sql`false` : and(isNull(key.column), rest)
    }
    const value = bind(i, parsed[i])
    const beyond = key.descending ? lt(key.column, value) : gt(key.column, value)
    const options: (SQL | undefined)[] = [beyond]
    if (key.nullable) options.push(isNull(key.column))
    if (rest !== undefined) options.push(and(eq(key.column, value), rest))
    return or(...options)
  }
  return build(0)
}

/** The cursor's values, checked against the sort and typed for comparison. */
export function parseCursorValues (keys: SortKey[], values: unknown[]): unknown[] {
  return keys.map((k, i) => parseValue(k, values[i]))
}

function parseValue (key: SortKey, value: unknown): unknown {
  if (value === null && key.nullable) return null
  const ok = (() => {
    switch (key.kind) {
      case 'timestamp':
        return typeof value === 'string' && !Number.isNaN(Date.parse(value))
      case 'number':
        return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
      case 'uuid':
        return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value)
      default:
        return typeof value === 'string'
    }
  })()
  if (!ok) {
    const message = 'cursor is not one this API issued'
    throw withFieldErrors(new BadRequestError(message), [{ pointer: 'cursor', message }])
  }
  return key.kind === 'timestamp' ? new Date(value as string) : value
}
