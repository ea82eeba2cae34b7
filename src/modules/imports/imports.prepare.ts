import type { ValidateFunction } from 'ajv'
import { compileBodySchema } from '../../lib/http/validation.js'
import type { BulkColumn, BulkMergeSpec, StagedRow } from '../../lib/records/record-bulk-writer.js'
import { validationProblem } from '../../plugins/problem.plugin.js'
import { type ColumnPlan, csvPlan, type MappingTarget, resolveTarget } from './imports.mapping.js'
import type { DefaultsContext, DerivedColumn, ImportField, ImportObject } from './imports.objects.js'
import type { ImportFormat, ImportMode } from './imports.schemas.js'

/**
 * Turns the rows of a file into staged rows: maps the columns to fields,
 * converts CSV text to the field's type, validates the body with the
 * resource's create schema (compiled once, as the API compiles it), and
 * fills what prepareCreate would (defaults, derived columns). Per row this
 * is plain JavaScript: no query, no promise.
 *
 * Which fields a row gives is kept as a bit mask: an update writes those
 * and keeps the rest. An empty CSV cell and an absent NDJSON key give
 * nothing; an NDJSON null clears an optional field (as in a PATCH).
 */

const PART_TEMPLATE = (parts: readonly string[]) =>
  JSON.stringify(Object.fromEntries(parts.map((p) => [p, null])))

type Staged = { field: ImportField, derived?: undefined } | { derived: DerivedColumn, field?: undefined }

const validators = new WeakMap<object, ValidateFunction>()

function validatorOf (schema: object): ValidateFunction {
  let validate = validators.get(schema)
  if (validate === undefined) {
    validate = compileBodySchema(schema)
    validators.set(schema, validate)
  }
  return validate
}

export interface PrepareOptions {
  format: ImportFormat
  mode: ImportMode
  upsertKey: string | null
  mapping: Record<string, string> | null
  defaults: DefaultsContext
}

export type Prepared = StagedRow | { reason: string }

export class RowPreparer {
  private readonly validate: ValidateFunction
  private readonly defaults: Record<string, unknown>
  private plan: ColumnPlan[] = []
  private staged: Staged[] = []
  /** NDJSON with a mapping: each mapped key and where it goes. */
  private readonly keyTargets: [string, MappingTarget][] = []

  constructor (private readonly object: ImportObject, private readonly options: PrepareOptions) {
    this.validate = validatorOf(object.resource.schemas.create)
    this.defaults = object.defaults(options.defaults)
    if (options.format === 'ndjson') this.stage(object.fields.map((f) => f.name))
    for (const [key, name] of Object.entries(options.mapping ?? {})) {
      const target = resolveTarget(object, name)
      if (target !== undefined) this.keyTargets.push([key, target])
    }
  }

  /** Reads a CSV header; throws ImportFileInvalidError for a file that cannot be imported. */
  header (cells: readonly string[]) {
    this.plan = csvPlan(this.object, cells, this.options.mapping)
    this.stage(this.plan.map((p) => p.field))
  }

  /** The fields the file gives, and those every write needs: defaults, the key, exclusive pairs. */
  private stage (given: readonly string[]) {
    const names = new Set(given)
    for (const name of Object.keys(this.defaults)) names.add(name)
    if (this.options.upsertKey !== null) {
      const key = this.object.keys[this.options.upsertKey]
      if (key !== undefined) names.add(key.field)
    }
    for (const rule of this.object.exclusive ?? []) {
      for (const column of rule.columns) {
        const field = this.object.fields.find((f) => f.column === column)
        if (field !== undefined) names.add(field.name)
      }
    }
    this.staged = [
      ...this.object.fields.filter((f) => names.has(f.name)).map((field) => ({ field })),
      ...this.object.derived.filter((d) => names.has(d.from)).map((derived) => ({ derived }))
    ]
  }

  get columns (): BulkColumn[] {
    return this.staged.map((s) => s.field === undefined
      ? { name: s.derived.column, type: s.derived.sqlType }
      : {
          name: s.field.column,
          type: s.field.sqlType,
          ...(s.field.parts === undefined ? {} : { parts: { template: PART_TEMPLATE(s.field.parts) } })
        })
  }

  /** What the bulk writer needs to merge this file's rows. */
  spec (workspaceId: string, now: Date): BulkMergeSpec {
    const staged = new Set(this.columns.map((c) => c.name))
    const object = this.object
    const tree = object.tree !== undefined && staged.has(object.tree.parent) ? object.tree : undefined
    const key = this.options.upsertKey === null ? undefined : object.keys[this.options.upsertKey]
    return {
      table: object.table,
      workspaceId,
      columns: this.columns,
      mode: this.options.mode,
      ...(key === undefined ? {} : { key }),
      ...(object.onConflict === undefined ? {} : { onConflict: object.onConflict }),
      references: object.references.filter((r) => staged.has(r.column)),
      ...(object.frozen === undefined ? {} : { frozen: object.frozen }),
      ...(object.exclusive === undefined ? {} : { exclusive: object.exclusive }),
      ...(tree === undefined ? {} : { tree }),
      now
    }
  }

  /**
   * A CSV record (after the header) as a staged row, or why it is refused.
   * `undecodable`: the indexes of its cells whose bytes are not valid
   * UTF-8, as the reader found them on the bytes (a U+FFFD the file
   * really holds is text like any other).
   */
  csv (cells: readonly string[], rowNumber: number, width: number, undecodable: readonly number[] = []): Prepared {
    if (cells.length !== width) {
      return { reason: `the row has ${cells.length} columns; the header has ${width}` }
    }
    const body: Record<string, unknown> = {}
    for (const p of this.plan) {
      const cell = cells[p.index] as string
      if (cell === '') continue
      if (undecodable.length > 0 && undecodable.includes(p.index)) {
        return { reason: `${p.part === undefined ? p.field : `${p.field}.${p.part}`}: is not valid UTF-8` }
      }
      if (cell.includes('\u0000')) return { reason: `${p.field}: text must not contain NUL characters` }
      if (p.part === undefined) {
        body[p.field] = cellValue(p.kind, cell)
      } else {
        partsOf(body, p.field)[p.part] = cell
      }
    }
    return this.finish(body, rowNumber)
  }

  /** An NDJSON line as a staged row, or why it is refused. */
  ndjson (text: string, rowNumber: number): Prepared {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { reason: 'the line is not valid JSON' }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { reason: 'the line must be a JSON object' }
    }
    if (text.includes('\\u0000') && hasNul(value)) return { reason: 'text must not contain NUL characters' }
    if (this.options.mapping === null) return this.finish(value as Record<string, unknown>, rowNumber)
    const source = value as Record<string, unknown>
    const body: Record<string, unknown> = {}
    for (const [key, target] of this.keyTargets) {
      if (!Object.hasOwn(source, key)) continue
      if (target.part === undefined) {
        body[target.field.name] = source[key]
      } else {
        partsOf(body, target.field.name)[target.part] = source[key]
      }
    }
    return this.finish(body, rowNumber)
  }

  private finish (body: Record<string, unknown>, rowNumber: number): Prepared {
    if (!this.validate(body)) return { reason: reasonOf(this.validate) }
    let given = 0
    const values: unknown[] = new Array(this.staged.length)
    for (let i = 0; i < this.staged.length; i++) {
      const s = this.staged[i] as Staged
      if (s.field === undefined) {
        const from = body[s.derived.from]
        values[i] = from === undefined ? null : s.derived.derive(from)
        if (from !== undefined) given |= 1 << i
        continue
      }
      const value = body[s.field.name]
      if (value === undefined) {
        values[i] = this.defaults[s.field.name] ?? null
      } else {
        values[i] = value
        given |= 1 << i
      }
    }
    return { rowNumber, given, values }
  }
}

/** CSV text as the field's JSON type; text that is no such value stays text, for the schema to refuse. */
function cellValue (kind: ImportField['kind'], cell: string): unknown {
  if (kind === 'integer') return /^-?\d{1,15}$/.test(cell) ? Number(cell) : cell
  if (kind === 'boolean') {
    const lower = cell.toLowerCase()
    if (lower === 'true' || lower === '1') return true
    if (lower === 'false' || lower === '0') return false
  }
  return cell
}

/** The object of parts of a field (an address) in a body being built. */
function partsOf (body: Record<string, unknown>, field: string): Record<string, unknown> {
  let parts = body[field] as Record<string, unknown> | undefined
  if (parts === undefined) {
    parts = {}
    body[field] = parts
  }
  return parts
}

function hasNul (value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (value === null || typeof value !== 'object') return false
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v))
}

/** The schema's complaints, as the API words them: "email must match format "email"; …". */
function reasonOf (validate: ValidateFunction): string {
  const { errors } = validationProblem('body', (validate.errors ?? []) as never)
  return (errors ?? [])
    .map((e) => `${e.pointer.slice(1).replaceAll('/', '.') || 'the row'} ${e.message}`)
    .join('; ')
}
