import { type Static, type TObject, type TOptional, Type, type TSchema, type TUnsafe } from 'typebox'
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

type In<S> = S extends { input: infer I extends TSchema, output: TSchema } ? I : S extends TSchema ? S : never
type Out<S> = S extends { input: TSchema, output: infer O extends TSchema } ? O : S extends TSchema ? S : never
type OrNull<T extends TSchema> = TUnsafe<Static<T> | null>
type Fields = Record<string, FieldSpec>

/** The static shapes of the three schemas, so `Static<>` of each names every field. */
export interface ResourceSchemas<
  Req extends Fields,
  Def extends Fields,
  Opt extends Fields,
  Comp extends Record<string, TSchema>
> {
  record: TObject<
    { id: typeof UuidSchema } &
    { [K in keyof Req]: Out<Req[K]> } &
    { [K in keyof Def]: Out<Def[K]> } &
    { [K in keyof Opt]: OrNull<Out<Opt[K]>> } &
    Comp &
    { createdAt: typeof TimestampSchema, updatedAt: typeof TimestampSchema, version: typeof VersionSchema }
  >
  create: TObject<
    { [K in keyof Req]: In<Req[K]> } &
    { [K in keyof Def]: TOptional<In<Def[K]>> } &
    { [K in keyof Opt]: TOptional<OrNull<In<Opt[K]>>> }
  >
  update: TObject<
    { [K in keyof Req]: TOptional<In<Req[K]>> } &
    { [K in keyof Def]: TOptional<In<Def[K]>> } &
    { [K in keyof Opt]: TOptional<OrNull<In<Opt[K]>>> }
  >
}

export function resourceSchemas<
  // biome-ignore lint/complexity/noBannedTypes: an absent group has no fields
  Req extends Fields = {},
  // biome-ignore lint/complexity/noBannedTypes: an absent group has no fields
  Def extends Fields = {},
  // biome-ignore lint/complexity/noBannedTypes: an absent group has no fields
  Opt extends Fields = {},
  // biome-ignore lint/complexity/noBannedTypes: an absent group has no fields
  Comp extends Record<string, TSchema> = {}
> (
  id: string,
  description: string,
  groups: { required?: Req, defaulted?: Def, optional?: Opt, computed?: Comp },
  examples: { record: unknown, create: unknown, update: unknown }
): ResourceSchemas<Req, Def, Opt, Comp> {
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
  return { record, create, update } as unknown as ResourceSchemas<Req, Def, Opt, Comp>
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
