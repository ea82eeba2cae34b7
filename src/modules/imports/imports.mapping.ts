import type { FieldError } from '../../lib/errors.js'
import { ImportFileInvalidError } from './imports.errors.js'
import type { FieldKind, ImportField, ImportObject } from './imports.objects.js'
import type { ImportFormat } from './imports.schemas.js'

/**
 * The column mapping: which file column (or NDJSON key) gives which API
 * field. A target is a field name (`email`) or, for an address, one part
 * of it (`mailingAddress.city`). Without a mapping every column is named
 * after its field.
 */

export interface MappingTarget {
  field: ImportField
  part?: string
}

export function resolveTarget (object: ImportObject, name: string): MappingTarget | undefined {
  const dot = name.indexOf('.')
  const fieldName = dot < 0 ? name : name.slice(0, dot)
  const field = object.fields.find((f) => f.name === fieldName)
  if (field === undefined) return undefined
  if (dot < 0) return { field }
  const part = name.slice(dot + 1)
  return field.parts?.includes(part) === true ? { field, part } : undefined
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

function knownTargets (object: ImportObject, format: ImportFormat): string {
  return object.fields
    .flatMap((f) => f.parts === undefined
      ? [f.name]
      : [...(format === 'ndjson' ? [f.name] : []), ...f.parts.map((p) => `${f.name}.${p}`)])
    .join(', ')
}

/**
 * What is wrong with a mapping given at upload, each problem pointing at
 * `/mapping/<column>`: a target that is no field of the collection, an
 * address given whole in a CSV file (CSV gives it part by part), or a
 * target that two columns give.
 */
export function mappingProblems (
  object: ImportObject,
  format: ImportFormat,
  mapping: Record<string, string>
): FieldError[] {
  const problems: FieldError[] = []
  const seen = new Map<string, string>()
  for (const [column, name] of Object.entries(mapping)) {
    const pointer = `/mapping/${escapePointer(column)}`
    const target = resolveTarget(object, name)
    if (target === undefined || (format === 'csv' && target.field.parts !== undefined && target.part === undefined)) {
      problems.push({ pointer, message: `must name a field of ${object.name}: ${knownTargets(object, format)}` })
      continue
    }
    const whole = target.field.name
    const clash = seen.get(name) ?? (target.part === undefined
      ? [...seen.entries()].find(([n]) => n.startsWith(`${whole}.`))?.[1]
      : seen.get(whole))
    if (clash !== undefined) {
      problems.push({ pointer, message: `gives ${name}, which column ${JSON.stringify(clash)} already gives` })
      continue
    }
    seen.set(name, column)
  }
  return problems
}

/** How one CSV column becomes a value of the body. */
export interface ColumnPlan {
  index: number
  field: string
  part?: string
  kind: FieldKind
}

/**
 * The columns of a CSV file that give fields, from its header. Refuses the
 * file (ImportFileInvalidError) when a header repeats a name, when a
 * mapped column is missing, when (without a mapping) a column names no
 * field, or when no column gives a field every record needs.
 */
export function csvPlan (
  object: ImportObject,
  header: readonly string[],
  mapping: Record<string, string> | null
): ColumnPlan[] {
  const fail = (message: string) => { throw new ImportFileInvalidError(message) }
  const repeated = header.find((name, i) => header.indexOf(name) !== i)
  if (repeated !== undefined) fail(`the header names the column ${JSON.stringify(repeated)} twice`)
  const pairs: [number, string][] = []
  if (mapping === null) {
    const unknown = header.filter((name) => {
      const target = resolveTarget(object, name)
      return target === undefined || (target.field.parts !== undefined && target.part === undefined)
    })
    if (unknown.length > 0) {
      fail(`the column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')} ` +
        `name${unknown.length > 1 ? '' : 's'} no field of ${object.name}; give a mapping to choose the columns ` +
        `(fields: ${knownTargets(object, 'csv')})`)
    }
    header.forEach((name, i) => { pairs.push([i, name]) })
  } else {
    const missing = Object.keys(mapping).filter((column) => !header.includes(column))
    if (missing.length > 0) {
      fail(`the file has no column ${missing.map((n) => JSON.stringify(n)).join(', ')}, which the mapping names`)
    }
    for (const [column, name] of Object.entries(mapping)) pairs.push([header.indexOf(column), name])
  }
  const plan = pairs.map(([index, name]) => {
    const target = resolveTarget(object, name) as MappingTarget
    return {
      index,
      field: target.field.name,
      kind: target.field.kind,
      ...(target.part === undefined ? {} : { part: target.part })
    }
  })
  const given = new Set(plan.map((p) => p.field))
  const lacking = object.fields.filter((f) => f.isRequired && !given.has(f.name)).map((f) => f.name)
  if (lacking.length > 0) {
    fail(`no column gives ${lacking.join(', ')}, which every ${object.resource.name} needs`)
  }
  return plan
}
