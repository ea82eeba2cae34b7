import { type FieldError, ValidationError, withFieldErrors } from '../errors.js'
import {
  type FieldKind, OPERATORS, OPERATORS_BY_KIND, type Operator, type SearchCatalogue,
  type SearchField
} from './search.fields.js'

/**
 * A search filter as the caller sends it, checked field by field against
 * the resource's catalogue, and the same tree with its fields resolved.
 * The checks run before schema validation: a tree is a union of shapes, and
 * a schema validator reports every branch it tried, while these name the
 * one thing that is wrong with a pointer such as /filter/and/1/value.
 */

/** Nodes nest at most this deep; the root is at depth 1. */
export const MAX_FILTER_DEPTH = 6
export const MAX_FILTER_NODES = 100
export const MAX_LIST_VALUES = 500
export const MAX_TEXT_LENGTH = 1000
/** More problems than this are not worth listing. */
const MAX_ERRORS = 20

export type Scalar = string | number | boolean

export type FilterTree =
  | { and: FilterTree[] }
  | { or: FilterTree[] }
  | { not: FilterTree }
  | { field: SearchField, op: Operator, value: Scalar | Scalar[] }

const GROUP_KEYS = ['and', 'or', 'not'] as const
const LEAF_KEYS = ['field', 'op', 'value'] as const

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DECIMAL = /^-?\d{1,20}(\.\d{1,20})?$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i
const INT4 = 2147483647

const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

function isValidDate (value: string): boolean {
  const m = DATE.exec(value)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d
}

function isValidTimestamp (value: string): boolean {
  if (!TIMESTAMP.test(value)) return false
  // The date part must be a real day and the clock a real time.
  const [day = '', rest = ''] = value.split(/t/i)
  const [h, mi, s] = rest.slice(0, 8).split(':').map(Number)
  const clockOk = (h ?? 99) < 24 && (mi ?? 99) < 60 && (s ?? 99) < 60
  return clockOk && isValidDate(day) && Number.isFinite(Date.parse(value))
}

const EXPECTED: Record<FieldKind, string> = {
  text: `a string of at most ${MAX_TEXT_LENGTH} characters`,
  enum: 'one of the field\'s values',
  uuid: 'a UUID',
  boolean: 'true or false',
  integer: `an integer between -${INT4} and ${INT4}`,
  decimal: 'a decimal string such as "1250.00"',
  date: 'a calendar date, YYYY-MM-DD',
  timestamp: 'an RFC 3339 timestamp such as "2026-12-03T10:20:30.123Z"'
}

/** Why a single value does not fit the field, or undefined when it does. */
function scalarProblem (field: SearchField, value: unknown): string | undefined {
  const ok = (() => {
    switch (field.kind) {
      case 'text':
        return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH
      case 'enum':
        return typeof value === 'string' && (field.values ?? []).includes(value.toLowerCase())
      case 'uuid':
        return typeof value === 'string' && UUID.test(value)
      case 'boolean':
        return typeof value === 'boolean'
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT4
      case 'decimal':
        return typeof value === 'string' && DECIMAL.test(value)
      case 'date':
        return typeof value === 'string' && isValidDate(value)
      case 'timestamp':
        return typeof value === 'string' && isValidTimestamp(value)
    }
  })()
  if (ok) return undefined
  const expected = field.kind === 'enum'
    ? `one of ${(field.values ?? []).join(', ')}`
    : EXPECTED[field.kind]
  return `must be ${expected} for ${field.name}`
}

interface Walk {
  catalogue: SearchCatalogue
  errors: FieldError[]
  nodes: number
}

function fail (walk: Walk, pointer: string, message: string): undefined {
  if (walk.errors.length < MAX_ERRORS) walk.errors.push({ pointer, message })
  return undefined
}

function checkValue (walk: Walk, field: SearchField, op: Operator, value: unknown, at: string) {
  const pointer = `${at}/value`
  if (op === 'isNull') {
    if (value === undefined) return true
    if (typeof value === 'boolean') return value
    return fail(walk, pointer, 'must be true or false for isNull')
  }
  if (value === undefined) return fail(walk, pointer, `is required for ${op}`)
  if (op === 'in' || op === 'notIn') {
    if (!Array.isArray(value)) return fail(walk, pointer, `must be an array of values for ${op}`)
    if (value.length > MAX_LIST_VALUES) {
      return fail(walk, pointer, `must hold at most ${MAX_LIST_VALUES} values`)
    }
    const before = walk.errors.length
    value.forEach((item, i) => {
      const problem = scalarProblem(field, item)
      if (problem !== undefined) fail(walk, `${pointer}/${i}`, problem)
    })
    return walk.errors.length === before ? (value as Scalar[]) : undefined
  }
  if (Array.isArray(value)) {
    return fail(walk, pointer, `must be a single value for ${op}; use in for a list`)
  }
  const problem = scalarProblem(field, value)
  return problem === undefined ? (value as Scalar) : fail(walk, pointer, problem)
}

function checkLeaf (walk: Walk, node: Record<string, unknown>, at: string): FilterTree | undefined {
  const { field: name, op, value } = node
  let field: SearchField | undefined
  if (name === undefined) fail(walk, `${at}/field`, 'is required')
  else if (typeof name !== 'string' || !walk.catalogue.has(name)) {
    fail(walk, `${at}/field`, `must be one of ${[...walk.catalogue.keys()].join(', ')}`)
  } else field = walk.catalogue.get(name)
  let operator: Operator | undefined
  if (op === undefined) fail(walk, `${at}/op`, 'is required')
  else if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    fail(walk, `${at}/op`, `must be one of ${OPERATORS.join(', ')}`)
  } else operator = op as Operator
  if (field === undefined || operator === undefined) return undefined
  const allowed = OPERATORS_BY_KIND[field.kind]
  if (!allowed.includes(operator)) {
    const use = allowed.join(', ')
    const message = `cannot be used on ${field.name} (${field.kind}); use one of ${use}`
    return fail(walk, `${at}/op`, message)
  }
  const checked = checkValue(walk, field, operator, value, at)
  return checked === undefined ? undefined : { field, op: operator, value: checked }
}

function checkNode (walk: Walk, node: unknown, at: string, depth: number): FilterTree | undefined {
  walk.nodes++
  if (walk.nodes > MAX_FILTER_NODES) return undefined
  if (depth > MAX_FILTER_DEPTH) {
    return fail(walk, at, `is nested too deep: filters nest at most ${MAX_FILTER_DEPTH} levels`)
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    return fail(walk, at, 'must be an object: { and }, { or }, { not } or { field, op, value }')
  }
  const record = node as Record<string, unknown>
  const keys = Object.keys(record)
  const groups = GROUP_KEYS.filter((k) => Object.hasOwn(record, k))
  const isLeaf = LEAF_KEYS.some((k) => Object.hasOwn(record, k))
  const unknown = keys.filter((k) =>
    !(GROUP_KEYS as readonly string[]).includes(k) && !(LEAF_KEYS as readonly string[]).includes(k))
  for (const k of unknown) fail(walk, `${at}/${escapeKey(k)}`, 'is not a known property')
  if (groups.length + (isLeaf ? 1 : 0) !== 1) {
    const message = 'must hold exactly one of and, or, not, or be a condition { field, op, value }'
    return fail(walk, at, message)
  }
  if (unknown.length > 0) return undefined
  const group = groups[0]
  if (group === undefined) return checkLeaf(walk, record, at)
  if (group === 'not') {
    const child = checkNode(walk, record.not, `${at}/not`, depth + 1)
    return child === undefined ? undefined : { not: child }
  }
  const items = record[group]
  // An empty group is the identity of its operator: and [] holds, or [] does not.
  if (!Array.isArray(items)) return fail(walk, `${at}/${group}`, 'must be an array of filters')
  const children: FilterTree[] = []
  for (const [i, item] of items.entries()) {
    const child = checkNode(walk, item, `${at}/${group}/${i}`, depth + 1)
    if (walk.nodes > MAX_FILTER_NODES) return undefined
    if (child !== undefined) children.push(child)
  }
  if (children.length !== items.length) return undefined
  return group === 'and' ? { and: children } : { or: children }
}

/**
 * The tree with its fields resolved, or the problems found, each with a
 * JSON Pointer into the body. `at` is where the filter sits in the body.
 */
export function parseFilter (
  catalogue: SearchCatalogue,
  filter: unknown,
  at = '/filter'
): { tree: FilterTree, errors: [] } | { tree: undefined, errors: FieldError[] } {
  const walk: Walk = { catalogue, errors: [], nodes: 0 }
  const tree = checkNode(walk, filter, at, 1)
  if (walk.nodes > MAX_FILTER_NODES) {
    const message = `must hold at most ${MAX_FILTER_NODES} nodes`
    return { tree: undefined, errors: [{ pointer: at, message }] }
  }
  if (tree === undefined || walk.errors.length > 0) {
    const errors = walk.errors.length > 0
      ? walk.errors
      : [{ pointer: at, message: 'is not a valid filter' }]
    return { tree: undefined, errors }
  }
  return { tree, errors: [] }
}

/** The checked tree, or a 400 problem naming what is wrong (the first three in its detail). */
export function checkedFilter (
  catalogue: SearchCatalogue,
  filter: unknown,
  at = '/filter'
): FilterTree {
  const parsed = parseFilter(catalogue, filter, at)
  if (parsed.tree !== undefined) return parsed.tree
  const detail = parsed.errors.slice(0, 3).map((e) => `body${e.pointer} ${e.message}`).join('; ')
  throw withFieldErrors(new ValidationError(detail), parsed.errors)
}
