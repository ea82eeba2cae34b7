import { eq, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { Type, type TSchema } from 'typebox'
import { DateSchema, MoneySchema, TimestampSchema } from '../schemas.js'

/**
 * Filters are query parameters named after the field. Each definition gives
 * both its documented parameter schema and its SQL, so the contract and the
 * behaviour cannot drift apart. Values are always bound parameters.
 */
export type FilterDefinition =
  | { kind: 'enum', name: string, column: AnyPgColumn, values: readonly string[] }
  | { kind: 'uuid', name: string, column: AnyPgColumn }
  | { kind: 'boolean', name: string, column: AnyPgColumn }
  | { kind: 'text', name: string, column: AnyPgColumn }
  | { kind: 'timestampRange', name: string, column: AnyPgColumn }
  | { kind: 'dateRange', name: string, column: AnyPgColumn }
  | { kind: 'moneyRange', name: string, column: AnyPgColumn }
  | { kind: 'integerRange', name: string, column: AnyPgColumn }
  /** A yes/no question with its own SQL, such as a case being overdue now. */
  | { kind: 'condition', name: string, description: string, when: (value: boolean) => SQL }

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
const MAX_VALUES = 50

function listPattern (item: string) {
  return `^(${item})(,(${item})){0,${MAX_VALUES - 1}}$`
}

function escapeRegExp (s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function filterParameters (filters: readonly FilterDefinition[]): Record<string, TSchema> {
  const params: Record<string, TSchema> = {}
  for (const f of filters) {
    switch (f.kind) {
      case 'enum':
        params[f.name] = Type.String({
          pattern: listPattern(f.values.map(escapeRegExp).join('|')),
          description: `one or more of ${f.values.join(', ')}, comma-separated`,
          examples: [f.values[0]]
        })
        break
      case 'uuid':
        params[f.name] = Type.String({
          pattern: listPattern(UUID),
          description: 'one or more ids, comma-separated'
        })
        break
      case 'boolean':
        params[f.name] = Type.Boolean()
        break
      case 'condition':
        params[f.name] = Type.Boolean({ description: f.description })
        break
      case 'text':
        params[f.name] = Type.String({
          minLength: 1,
          maxLength: 1000,
          description: 'equals, ignoring case; several values comma-separated'
        })
        break
      case 'timestampRange':
        params[`${f.name}From`] = Type.String({ ...TimestampSchema, description: `${f.name} at or after` })
        params[`${f.name}To`] = Type.String({ ...TimestampSchema, description: `${f.name} at or before` })
        break
      case 'dateRange':
        params[`${f.name}From`] = Type.String({ ...DateSchema, description: `${f.name} on or after` })
        params[`${f.name}To`] = Type.String({ ...DateSchema, description: `${f.name} on or before` })
        break
      case 'moneyRange':
        params[`${f.name}Min`] = Type.String({ ...MoneySchema, description: `${f.name} at least` })
        params[`${f.name}Max`] = Type.String({ ...MoneySchema, description: `${f.name} at most` })
        break
      case 'integerRange':
        params[`${f.name}Min`] = Type.Integer({ minimum: 0, maximum: 2147483647, description: `${f.name} at least` })
        params[`${f.name}Max`] = Type.Integer({ minimum: 0, maximum: 2147483647, description: `${f.name} at most` })
        break
    }
  }
  return params
}

export function filterConditions (
  filters: readonly FilterDefinition[],
  query: Record<string, unknown>
): SQL[] {
  const out: SQL[] = []
  const push = (c: SQL | undefined) => { if (c !== undefined) out.push(c) }
  for (const f of filters) {
    const value = query[f.name]
    switch (f.kind) {
      case 'enum':
      case 'uuid':
        if (typeof value === 'string') push(inArray(f.column, value.split(',').map((v) => v.toLowerCase())))
        break
      case 'boolean':
        if (typeof value === 'boolean') push(eq(f.column, value))
        break
      case 'condition':
        if (typeof value === 'boolean') push(f.when(value))
        break
      case 'text':
        if (typeof value === 'string') {
          push(or(...value.split(',').map((v) => sql`lower(${f.column}) = ${v.trim().toLowerCase()}`)))
        }
        break
      case 'timestampRange':
      case 'dateRange': {
        const from = query[`${f.name}From`]
        const to = query[`${f.name}To`]
        const cast = (v: unknown) => (f.kind === 'timestampRange' ? new Date(v as string) : v)
        if (from !== undefined) push(gte(f.column, cast(from)))
        if (to !== undefined) push(lte(f.column, cast(to)))
        break
      }
      case 'moneyRange':
      case 'integerRange': {
        const min = query[`${f.name}Min`]
        const max = query[`${f.name}Max`]
        if (min !== undefined) push(gte(f.column, min))
        if (max !== undefined) push(lte(f.column, max))
        break
      }
    }
  }
  return out
}
