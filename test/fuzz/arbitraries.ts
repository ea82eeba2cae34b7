import fc from 'fast-check'

/**
 * fast-check arbitraries from the OpenAPI document's own JSON Schemas: valid
 * values that the contract says must be accepted, and hostile ones that it
 * says must be refused with a 4xx. Supports what our schemas use: objects,
 * arrays, anyOf, enum, const, $ref to components, string formats and
 * patterns, integer and number bounds.
 */
export type Schema = Record<string, any>

export interface Components {
  schemas: Record<string, Schema>
}

export function resolve (schema: Schema, components: Components): Schema {
  let s = schema
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.replace('#/components/schemas/', '')
    const next = components.schemas[name]
    if (next === undefined) throw new Error(`unknown ref ${s.$ref}`)
    s = next
  }
  return s
}

function stringArbitrary (s: Schema): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]))
  const max = Math.min(s.maxLength ?? 40, 60)
  const min = s.minLength ?? 0
  const dateRange = {
    min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true
  }
  switch (s.format) {
    case 'uuid': return fc.uuid()
    case 'email': return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254))
    case 'uri':
      return fc.webUrl({ validSchemes: ['https'] })
        .filter((u) => u.length <= (s.maxLength ?? 2048))
    case 'date': return fc.date(dateRange).map((d) => d.toISOString().slice(0, 10))
    case 'date-time': return fc.date(dateRange).map((d) => d.toISOString())
  }
  if (typeof s.pattern === 'string') {
    return fc.stringMatching(new RegExp(s.pattern))
      .filter((v) => v.length >= min && v.length <= (s.maxLength ?? 10_000))
  }
  return fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(max, min, 1) })
}

/** Values the schema accepts. */
export function valid (schema: Schema, components: Components, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, components)
  if (s.const !== undefined) return fc.constant(s.const)
  if (Array.isArray(s.anyOf)) {
    return fc.oneof(...s.anyOf.map((x: Schema) => valid(x, components, depth + 1)))
  }
  if (Array.isArray(s.type)) {
    // `type: [T, "null"]`: a T (its enum without the null) or null.
    return fc.oneof(...s.type.map((type: string) => {
      if (type === 'null') return fc.constant(null)
      const withoutNull = Array.isArray(s.enum)
        ? { enum: s.enum.filter((v: unknown) => v !== null) }
        : {}
      return valid({ ...s, type, ...withoutNull }, components, depth + 1)
    }))
  }
  switch (s.type) {
    case 'null': return fc.constant(null)
    case 'boolean': return fc.boolean()
    case 'integer': return fc.integer({
      min: s.minimum ?? -1000,
      max: Math.min(s.maximum ?? 100_000, 2 ** 31 - 1)
    })
    case 'number': return fc.double({
      min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true
    })
    case 'string':
      // Documented examples are real values (a stage key, say) that random text rarely hits.
      return Array.isArray(s.examples) && s.examples.length > 0
        ? fc.oneof(fc.constantFrom(...(s.examples as string[])), stringArbitrary(s))
        : stringArbitrary(s)
    case 'array': return fc.array(valid(s.items ?? {}, components, depth + 1), { maxLength: 3 })
    case 'object': {
      const props = s.properties ?? {}
      const required = new Set<string>(s.required ?? [])
      const entries = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, valid(v as Schema, components, depth + 1)])
      )
      return fc.record(entries, { requiredKeys: [...required] })
    }
    default:
      if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum)
      return fc.jsonValue({ maxDepth: 1 })
  }
}

export const hostileStrings = fc.constantFrom(
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '"; drop table accounts; --', "' or 1=1 --",
  '__proto__', 'constructor', '%00', '../../etc/passwd', '<script>alert(1)</script>',
  'x'.repeat(5000), '١٢٣', 'NaN', 'Infinity', '-0', '1e400', '9'.repeat(40),
  'null', 'true', '{}', '[]'
)

export const hostileValues: fc.Arbitrary<unknown> = fc.oneof(
  hostileStrings,
  fc.constantFrom(
    null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, [], {}, [null], { a: 1 }
  ),
  fc.jsonValue({ maxDepth: 2 })
)

/** Bodies that break the schema in one way: a wrong value, a missing or unknown field. */
export function invalidObject (schema: Schema, components: Components): fc.Arbitrary<unknown> {
  const s = resolve(schema, components)
  const props = Object.keys(s.properties ?? {})
  const required: string[] = s.required ?? []
  const base = valid(s, components) as fc.Arbitrary<Record<string, unknown>>
  const options: fc.Arbitrary<unknown>[] = [
    base.chain((b) => fc.string({ minLength: 1, maxLength: 12 })
      .filter((k) => !props.includes(k))
      .map((k) => ({ ...b, [k]: 'unexpected' }))),
    hostileValues.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
    base.map((b) => ({ ...b, id: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11' })),
    base.map((b) => ({ ...b, version: 7 }))
  ]
  if (required.length > 0) {
    options.push(base.chain((b) => fc.constantFrom(...required).map((k) => {
      const copy = { ...b }
      delete copy[k]
      return copy
    })))
  }
  const typed = props.filter((p) => {
    const ps = resolve(s.properties[p], components)
    const variants: Schema[] = Array.isArray(ps.anyOf)
      ? ps.anyOf.map((x: Schema) => resolve(x, components))
      : [ps]
    return variants.some((v) => {
      const types = Array.isArray(v.type) ? v.type : [v.type]
      const hasNonStringType = types.some((type: unknown) =>
        type !== undefined && type !== 'null' && type !== 'string')
      return hasNonStringType ||
        v.format !== undefined || v.pattern !== undefined || v.enum !== undefined
    })
  })
  if (typed.length > 0) {
    options.push(base.chain((b) => {
      const wrongValue = fc.constantFrom('not-valid-☃', -5, '1e400', { x: 1 }, [1])
      return fc.tuple(fc.constantFrom(...typed), wrongValue)
        .map(([k, v]) => ({ ...b, [k]: v }))
    }))
  }
  return fc.oneof(...options)
}
