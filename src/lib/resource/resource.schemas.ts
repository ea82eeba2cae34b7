import { Type, type TSchema } from 'typebox'
import { TimestampSchema, UuidSchema, VersionSchema, Nullable } from '../schemas.js'

/**
 * Builds a resource's three schemas (the record, the create body and the
 * patch body) from one list of fields, so they cannot disagree:
 * - required: needed at create, never null, cannot be cleared;
 * - defaulted: optional at create (the server picks a default), never null;
 * - optional: optional at create, null when empty, `null` in a patch clears;
 * - computed: read-only, in the record only (sending one is refused).
 * A field whose written form differs from its shown form (an address) gives
 * `{ input, output }`.
 */
type FieldSpec = TSchema | { input: TSchema, output: TSchema }

export interface FieldGroups {
  required?: Record<string, FieldSpec>
  defaulted?: Record<string, FieldSpec>
  optional?: Record<string, FieldSpec>
  computed?: Record<string, TSchema>
}

const input = (s: FieldSpec) => ('input' in s && 'output' in s ? (s.input as TSchema) : (s as TSchema))
const output = (s: FieldSpec) => ('input' in s && 'output' in s ? (s.output as TSchema) : (s as TSchema))
const map = (fields: Record<string, FieldSpec> | undefined, f: (s: FieldSpec) => TSchema) =>
  Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, f(v)]))

export function resourceSchemas (
  id: string,
  description: string,
  groups: FieldGroups,
  examples: { record: unknown, create: unknown, update: unknown }
) {
  const record = Type.Object(
    {
      id: UuidSchema,
      ...map(groups.required, output),
      ...map(groups.defaulted, output),
      ...map(groups.optional, (s) => Nullable(output(s))),
      ...(groups.computed ?? {}),
      createdAt: TimestampSchema,
      updatedAt: TimestampSchema,
      version: VersionSchema
    },
    { $id: id, description, additionalProperties: false, examples: [examples.record] }
  )
  const create = Type.Object(
    {
      ...map(groups.required, input),
      ...map(groups.defaulted, (s) => Type.Optional(input(s))),
      ...map(groups.optional, (s) => Type.Optional(Nullable(input(s))))
    },
    { additionalProperties: false, examples: [examples.create] }
  )
  const update = Type.Object(
    {
      ...map(groups.required, (s) => Type.Optional(input(s))),
      ...map(groups.defaulted, (s) => Type.Optional(input(s))),
      ...map(groups.optional, (s) => Type.Optional(Nullable(input(s))))
    },
    { additionalProperties: false, examples: [examples.update] }
  )
  return { record, create, update }
}

/**
 * The record as the API shows it: every documented field, null when empty,
 * timestamps as RFC 3339 strings. `extra` adds the computed fields.
 */
type Mapper = (row: Record<string, unknown>, extra: Record<string, unknown>, iso: (v: unknown) => unknown) => unknown

const mappers = new WeakMap<TSchema, Mapper>()

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : (value ?? null))

/**
 * One function per record schema, generated once, that copies exactly the
 * documented fields: lists map thousands of rows a second, and a
 * straight-line object literal is several times cheaper than a loop over
 * the field names. The names come from our own schemas, quoted as JSON.
 */
function mapperOf (schema: TSchema): Mapper {
  let mapper = mappers.get(schema)
  if (mapper === undefined) {
    const fields = Object.keys((schema as unknown as { properties: Record<string, unknown> }).properties)
    const body = fields
      .map((f) => {
        const key = JSON.stringify(f)
        return `${key}: iso(${key} in extra ? extra[${key}] : row[${key}])`
      })
      .join(',\n')
    mapper = new Function('row', 'extra', 'iso', `return {\n${body}\n}`) as Mapper
    mappers.set(schema, mapper)
  }
  return mapper
}

export function recordToDto<T> (schema: TSchema, row: Record<string, unknown>, extra: Record<string, unknown> = {}): T {
  return mapperOf(schema)(row, extra, iso) as T
}
