import { randomUUID } from 'node:crypto'
import { Decimal } from 'decimal.js'
import fc from 'fast-check'
import type { TestWorkspace } from '../../fixtures/workspaces.js'

/**
 * A brute-force model of `POST /v1/<collection>/search`: the documented
 * semantics written out plainly in TypeScript over records fetched through
 * the API, and fast-check arbitraries of filter trees over them. It shares
 * no code with the implementation, so a property comparing the two checks
 * the SQL against the description, not against itself.
 */

export type Kind = 'text' | 'enum' | 'uuid' | 'boolean' | 'integer' | 'decimal' | 'date' | 'timestamp'
export type Rec = Record<string, unknown> & { id: string }
export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { field: string, op: string, value?: unknown }

export interface FieldSpec {
  kind: Kind
  /** The values of an enum field. */
  values?: readonly string[]
}

export interface Parent {
  /** The record's field holding the parent's id. */
  link: string
  byId: Map<string, Rec>
}

export interface Model {
  records: Rec[]
  parents: Record<string, Parent>
  fields: Record<string, FieldSpec>
  /** Sortable fields and how they compare. */
  sortable: Record<string, Kind>
}

const OPS: Record<Kind, string[]> = {
  text: ['eq', 'neq', 'in', 'notIn', 'contains', 'startsWith', 'isNull'],
  enum: ['eq', 'neq', 'in', 'notIn', 'isNull'],
  uuid: ['eq', 'neq', 'in', 'notIn', 'isNull'],
  boolean: ['eq', 'neq', 'isNull'],
  integer: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull'],
  decimal: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull'],
  date: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull'],
  timestamp: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isNull']
}

/** The field's value on a record: its own, or its live parent's (null without one). */
function fieldValue (model: Model, record: Rec, field: string): unknown {
  const dot = field.indexOf('.')
  if (dot < 0) return record[field] ?? null
  const parent = model.parents[field.slice(0, dot)]
  if (parent === undefined) throw new Error(`no parent for ${field}`)
  const id = record[parent.link]
  const row = typeof id === 'string' ? parent.byId.get(id) : undefined
  return row === undefined ? null : (row[field.slice(dot + 1)] ?? null)
}

/** -1, 0 or 1 for two non-null values of a kind. */
export function compareValues (kind: Kind, a: unknown, b: unknown): number {
  const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0)
  switch (kind) {
    case 'text':
    case 'enum':
    case 'uuid': {
      const x = String(a).toLowerCase()
      const y = String(b).toLowerCase()
      return x < y ? -1 : x > y ? 1 : 0
    }
    case 'boolean': return sign(Number(a) - Number(b))
    case 'integer': return sign(Number(a) - Number(b))
    case 'decimal': return new Decimal(String(a)).comparedTo(new Decimal(String(b)))
    case 'date': return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0
    case 'timestamp': return sign(Date.parse(String(a)) - Date.parse(String(b)))
  }
}

function holds (kind: Kind, actual: unknown, op: string, value: unknown): boolean {
  if (op === 'isNull') return (actual === null) === (value ?? true)
  if (actual === null) return op === 'neq' || op === 'notIn'
  const cmp = (v: unknown) => compareValues(kind, actual, v)
  switch (op) {
    case 'eq': return cmp(value) === 0
    case 'neq': return cmp(value) !== 0
    case 'lt': return cmp(value) < 0
    case 'lte': return cmp(value) <= 0
    case 'gt': return cmp(value) > 0
    case 'gte': return cmp(value) >= 0
    case 'in': return (value as unknown[]).some((v) => cmp(v) === 0)
    case 'notIn': return !(value as unknown[]).some((v) => cmp(v) === 0)
    case 'contains': return String(actual).toLowerCase().includes(String(value).toLowerCase())
    case 'startsWith': return String(actual).toLowerCase().startsWith(String(value).toLowerCase())
  }
  throw new Error(`unknown op ${op}`)
}

export function matches (model: Model, record: Rec, filter: Filter): boolean {
  if ('and' in filter) return filter.and.every((f) => matches(model, record, f))
  if ('or' in filter) return filter.or.some((f) => matches(model, record, f))
  if ('not' in filter) return !matches(model, record, filter.not)
  const spec = model.fields[filter.field]
  if (spec === undefined) throw new Error(`unknown field ${filter.field}`)
  return holds(spec.kind, fieldValue(model, record, filter.field), filter.op, filter.value)
}

/**
 * The records in the order of `sort`: nulls last in both directions, the
 * id as the final tiebreak in the direction of the last key. Text compares
 * by code point, as the C collation of the test databases does.
 */
export function sortRecords (model: Model, records: Rec[], sort: string): Rec[] {
  const keys = sort.split(',').map((k) => ({ field: k.replace(/^-/, ''), descending: k.startsWith('-') }))
  if (!keys.some((k) => k.field === 'id')) {
    keys.push({ field: 'id', descending: keys[keys.length - 1]?.descending ?? false })
  }
  return [...records].sort((a, b) => {
    for (const key of keys) {
      const x = a[key.field] ?? null
      const y = b[key.field] ?? null
      if (x === null && y === null) continue
      if (x === null) return 1
      if (y === null) return -1
      const kind = key.field === 'id' ? 'uuid' : (model.sortable[key.field] as Kind)
      // Sorting is by the stored text, case and all.
      const c = kind === 'text'
        ? (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0)
        : compareValues(kind, x, y)
      if (c !== 0) return key.descending ? -c : c
    }
    return 0
  })
}

function records (model: Model, field: string): Rec[] {
  const dot = field.indexOf('.')
  if (dot < 0) return model.records
  return [...(model.parents[field.slice(0, dot)]?.byId.values() ?? [])]
}

const flipCase = (s: string) => fc.constantFrom(s, s.toUpperCase(), s.toLowerCase())

/**
 * Values worth comparing a field with: those the records hold (so that eq
 * finds something), neighbours of them (for the ranges), parts of texts
 * (contains, startsWith) and LIKE's own wildcards, which must match only
 * themselves.
 */
function valuesFor (model: Model, field: string): fc.Arbitrary<unknown> {
  const spec = model.fields[field] as FieldSpec
  const key = field.includes('.') ? field.slice(field.indexOf('.') + 1) : field
  const present = [...new Set(records(model, field).map((r) => r[key]).filter((v) => v !== null && v !== undefined))]
  // Each kind adds values of its own, so the choice is never empty.
  const some = <T>(extra: [T, ...T[]]) => fc.constantFrom(...([...present, ...extra] as T[]))
  switch (spec.kind) {
    case 'text':
      return fc.oneof(
        some<string>(['zzz']).chain((s) => flipCase(String(s))),
        some<string>(['%', '_']).chain((s) => {
          const text = String(s)
          return fc.tuple(fc.nat(text.length), fc.nat(text.length))
            .map(([i, j]) => text.slice(Math.min(i, j), Math.max(i, j)))
        }),
        fc.constantFrom('%', '_', '\\', 'a%', '%b')
      )
    case 'enum': return fc.constantFrom(...(spec.values ?? [])).chain(flipCase)
    case 'uuid': return some<string>([randomUUID()]).chain((s) => flipCase(String(s)))
    case 'boolean': return fc.boolean()
    case 'integer':
      return fc.oneof(some<number>([0]), some<number>([0]).chain((n) => fc.constantFrom(Number(n) - 1, Number(n) + 1)))
    case 'decimal':
      return fc.oneof(
        some<string>(['0']),
        some<string>(['0']).chain((s) => fc.constantFrom(
          new Decimal(String(s)).plus('0.01').toFixed(2), new Decimal(String(s)).minus('0.5').toString()
        ))
      )
    case 'date': return some<string>(['2026-06-15'])
    case 'timestamp':
      return fc.oneof(
        some<string>(['2026-01-01T00:00:00.000Z']),
        some<string>(['2026-01-01T00:00:00.000Z']).chain((s) => {
          const ms = Date.parse(String(s))
          return fc.constantFrom(new Date(ms - 1).toISOString(), new Date(ms + 1).toISOString())
        })
      )
  }
}

function conditionOf (model: Model): fc.Arbitrary<Filter> {
  return fc.constantFrom(...Object.keys(model.fields)).chain((field) => {
    const spec = model.fields[field] as FieldSpec
    const values = valuesFor(model, field)
    return fc.constantFrom(...OPS[spec.kind]).chain((op): fc.Arbitrary<Filter> => {
      if (op === 'isNull') {
        return fc.option(fc.boolean(), { nil: undefined })
          .map((value) => (value === undefined ? { field, op } : { field, op, value }))
      }
      if (op === 'in' || op === 'notIn') {
        return fc.array(values, { maxLength: 4 }).map((value) => ({ field, op, value }))
      }
      return values.map((value) => ({ field, op, value }))
    })
  })
}

/** Filter trees of at most four levels over the model's fields. */
export function filterOf (model: Model): fc.Arbitrary<Filter> {
  const condition = conditionOf(model)
  const { node } = fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'filter', withCrossShrink: true },
      condition,
      fc.array(tie('node'), { maxLength: 3 }).map((and) => ({ and })),
      fc.array(tie('node'), { maxLength: 3 }).map((or) => ({ or })),
      tie('node').map((not) => ({ not }))
    )
  }))
  return node
}

export interface Walked {
  ids: string[]
  pages: number
  total?: number
}

/** Every page of a search, the same body with each cursor. Throws unless each answers 200. */
export async function walkSearch (
  ws: Pick<TestWorkspace, 'request'>,
  collection: string,
  body: Record<string, unknown>
): Promise<Walked> {
  const ids: string[] = []
  let cursor: string | null = null
  let pages = 0
  let total: number | undefined
  do {
    const payload: Record<string, unknown> = cursor === null ? body : { ...body, cursor }
    const res = await ws.request({ method: 'POST', url: `/v1/${collection}/search`, payload })
    if (res.statusCode !== 200) throw new Error(`search failed: ${res.statusCode} ${res.body}`)
    const page = res.json() as { data: Rec[], nextCursor: string | null, total?: number }
    if (pages === 0) total = page.total
    else if (page.total !== total) throw new Error(`total changed between pages: ${total} ${page.total}`)
    ids.push(...page.data.map((r) => r.id))
    cursor = page.nextCursor
    pages++
    if (pages > 1000) throw new Error('the search never ended')
  } while (cursor !== null)
  return { ids, pages, total }
}

/** A tiny seeded generator, so a seed logged with a failure rebuilds the same records. */
export function random (seed: number) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let x = Math.imul(s ^ (s >>> 15), 1 | s)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const maybe = <T>(items: readonly T[], pNull = 0.3): T | null => (next() < pNull ? null : pick(items))
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return { next, pick, maybe, int }
}
