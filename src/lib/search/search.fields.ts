import { getTableColumns } from 'drizzle-orm'
import { alias, type AnyPgColumn, type PgTable } from 'drizzle-orm/pg-core'
import type { TSchema } from 'typebox'
import type { TenantTable } from '../records/tenant.js'
import type { AnyResourceDefinition } from '../resource/resource.js'

/**
 * The fields a search filter may name: a resource's own columns that its
 * record shows, and those of its direct parents as `<parent>.<field>`. The
 * catalogue is derived from the Drizzle table and the record schema, so a
 * column added to both becomes searchable without a second list to keep.
 * Every condition is built from these column objects; nothing a caller
 * sends ever becomes SQL text.
 */
export type FieldKind =
  | 'text' | 'enum' | 'uuid' | 'boolean' | 'integer' | 'decimal' | 'date' | 'timestamp'

export type Operator =
  | 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'notIn'
  | 'contains' | 'startsWith' | 'isNull'

export const OPERATORS: readonly Operator[] = [
  'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'contains', 'startsWith', 'isNull'
]

const RANGE: readonly Operator[] = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull']

/** What each kind of field can be asked; free text has no order (collations differ). */
export const OPERATORS_BY_KIND: Record<FieldKind, readonly Operator[]> = {
  text: ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'isNull'],
  enum: ['eq', 'neq', 'in', 'notIn', 'isNull'],
  uuid: ['eq', 'neq', 'in', 'notIn', 'isNull'],
  boolean: ['eq', 'neq', 'isNull'],
  integer: RANGE,
  decimal: RANGE,
  date: RANGE,
  timestamp: RANGE
}

/** The parent table, aliased so that a resource can be its own parent (accounts). */
export type ParentTable = PgTable & TenantTable & Record<string, AnyPgColumn>

export interface ParentJoin {
  /** 'account', as in `account.industry` */
  name: string
  table: ParentTable
  /** The record's column holding the parent's id. */
  link: AnyPgColumn
}

export interface SearchField {
  name: string
  kind: FieldKind
  column: AnyPgColumn
  /** The allowed values of an enum field. */
  values?: readonly string[]
  parent?: ParentJoin
}

export interface ParentSpec {
  /** The prefix of the parent's fields: 'account', 'parentAccount'. */
  name: string
  resource: AnyResourceDefinition
  /** The record's column holding the parent's id. */
  link: AnyPgColumn
}

export type SearchCatalogue = ReadonlyMap<string, SearchField>

const KIND_OF_COLUMN: Record<string, FieldKind> = {
  PgText: 'text',
  PgVarchar: 'text',
  PgUUID: 'uuid',
  PgBoolean: 'boolean',
  PgInteger: 'integer',
  PgSmallInt: 'integer',
  PgNumeric: 'decimal',
  PgDateString: 'date',
  PgTimestamp: 'timestamp'
}

type Properties = Record<string, TSchema & { enum?: unknown[] }>

/**
 * The own fields of a table as its record shows them. Columns the record
 * hides (workspaceId, deletedAt) and kinds without a comparison here
 * (addresses in jsonb) are left out.
 * Computed fields (a case's isOverdue, an opportunity's expectedRevenue)
 * are not columns, so not searchable, as the operation description says;
 * each would need its SQL expression here.
 */
function ownFields (table: PgTable, record: TSchema, parent?: ParentJoin): SearchField[] {
  const properties = (record as unknown as { properties: Properties }).properties
  const out: SearchField[] = []
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const property = Object.hasOwn(properties, key) ? properties[key] : undefined
    let kind = KIND_OF_COLUMN[column.columnType]
    if (property === undefined || kind === undefined) continue
    const values = Array.isArray(property.enum)
      ? property.enum.filter((v): v is string => typeof v === 'string')
      : undefined
    if (kind === 'text' && values !== undefined) kind = 'enum'
    const name = parent === undefined ? key : `${parent.name}.${key}`
    out.push({ name, kind, column: column as AnyPgColumn, values, parent })
  }
  return out
}

/** The catalogue of one resource: its own fields, then each parent's. */
export function searchCatalogue (
  def: AnyResourceDefinition,
  parents: readonly ParentSpec[]
): SearchCatalogue {
  const fields = ownFields(def.table, def.schemas.record)
  for (const p of parents) {
    // Snake case like the columns, and distinct from every table name.
    const aliasName = `search_${p.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`
    const table = alias(p.resource.table, aliasName) as unknown as ParentTable
    const join = { name: p.name, table, link: p.link }
    fields.push(...ownFields(table, p.resource.schemas.record, join))
  }
  return new Map(fields.map((f) => [f.name, f]))
}
