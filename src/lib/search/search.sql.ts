import { and, eq, exists, isNotNull, isNull, not, or, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../records/tenant.js'
import type { FieldKind, Operator, SearchField } from './search.fields.js'
import type { FilterTree, Scalar } from './search.filter.js'

/**
 * A checked filter tree as one SQL condition. Only column objects of the
 * catalogue and fixed operator and type names ever become SQL text; every
 * value is a bound parameter.
 *
 * Each condition is true exactly when the documented two-valued semantics
 * say so (a null field fails eq, in, lt, contains...; passes neq and notIn).
 * Without negation SQL's unknown already acts as false; under `not` the
 * child is coalesced to false first, so `not X` is the exact complement.
 */

/** The SQL type a value is bound as, so Postgres compares like with like. */
const CAST: Record<FieldKind, string> = {
  text: 'text',
  enum: 'text',
  uuid: 'uuid',
  boolean: 'boolean',
  integer: 'integer',
  decimal: 'numeric',
  date: 'date',
  timestamp: 'timestamptz'
}

const COMPARE: Partial<Record<Operator, string>> = {
  eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>='
}

const isText = (kind: FieldKind) => kind === 'text' || kind === 'enum'

/** LIKE treats % and _ (and the escape) specially; the caller's text never does. */
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

function compare (kind: FieldKind, column: AnyPgColumn, op: Operator, value: Scalar): SQL {
  const operator = sql.raw(COMPARE[op] as string)
  if (isText(kind)) return sql`lower(${column}) ${operator} lower(${value}::text)`
  return sql`${column} ${operator} ${value}::${sql.raw(CAST[kind])}`
}

function anyOf (kind: FieldKind, column: AnyPgColumn, values: Scalar[]): SQL {
  // One array parameter, not one per value: the statement's text (and so its
  // prepared plan) does not depend on the length of the list.
  const list = sql.param(values)
  if (isText(kind)) {
    return sql`lower(${column}) = any(select lower(v) from unnest(${list}::text[]) as v)`
  }
  return sql`${column} = any(${list}::${sql.raw(CAST[kind])}[])`
}

/** The condition on one column, true exactly when the semantics say so. */
function leafCondition (
  kind: FieldKind,
  column: AnyPgColumn,
  op: Operator,
  value: Scalar | Scalar[]
): SQL {
  switch (op) {
    case 'isNull':
      return value === true ? isNull(column) : isNotNull(column)
    case 'in':
      return anyOf(kind, column, value as Scalar[])
    case 'notIn':
      return or(isNull(column), not(anyOf(kind, column, value as Scalar[]))) as SQL
    case 'neq':
      return or(isNull(column), compare(kind, column, op, value as Scalar)) as SQL
    case 'contains':
      return sql`lower(${column}) like lower(${`%${escapeLike(value as string)}%`}) escape '\\'`
    case 'startsWith':
      return sql`lower(${column}) like lower(${`${escapeLike(value as string)}%`}) escape '\\'`
    default:
      return compare(kind, column, op, value as Scalar)
  }
}

/** Whether a missing value (a null field, or no parent) satisfies the condition. */
function holdsForNull (op: Operator, value: Scalar | Scalar[]): boolean {
  return op === 'neq' || op === 'notIn' || (op === 'isNull' && value === true)
}

export interface FilterContext {
  db: Executor
  workspaceId: string
}

/**
 * A parent's field, through a correlated subquery on the parent's live row
 * of the same workspace. No live parent counts as a null field: the
 * condition then holds only where a null would satisfy it.
 */
function parentCondition (
  ctx: FilterContext,
  field: SearchField,
  op: Operator,
  value: Scalar | Scalar[]
): SQL {
  const parent = field.parent as NonNullable<SearchField['parent']>
  const condition = leafCondition(field.kind, field.column, op, value)
  const rows = (extra: SQL) =>
    ctx.db
      .select({ one: sql`1` })
      .from(parent.table)
      .where(scoped(parent.table, ctx.workspaceId, eq(parent.table.id, parent.link), extra))
  return holdsForNull(op, value)
    ? not(exists(rows(sql`not coalesce(${condition}, false)`)))
    : exists(rows(condition))
}

export function filterCondition (ctx: FilterContext, tree: FilterTree): SQL {
  if ('and' in tree) return and(...tree.and.map((t) => filterCondition(ctx, t))) ?? sql`true`
  if ('or' in tree) return or(...tree.or.map((t) => filterCondition(ctx, t))) ?? sql`false`
  if ('not' in tree) return sql`not coalesce(${filterCondition(ctx, tree.not)}, false)`
  const { field, op, value } = tree
  return field.parent === undefined
    ? leafCondition(field.kind, field.column, op, value)
    : parentCondition(ctx, field, op, value)
}
