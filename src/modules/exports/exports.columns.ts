import type { TSchema } from 'typebox'

/** A CSV column: its header and how it reads its value from a record's DTO. */
export interface ExportColumn {
  name: string
  value: (dto: Record<string, unknown>) => unknown
}

type JsonSchema = Record<string, unknown>

/** Finds a schema registered by `$id` (the app's `getSchema`). */
export type SchemaResolver = (id: string) => unknown

/**
 * The columns of a record schema, in the schema's field order. A field whose
 * schema is an object with fixed properties (an address, through its
 * `$ref`, nullable or not) becomes one column per property, named
 * `billingAddress.city`, in that object's order; a null object leaves all of
 * them empty. Any other field is one column. Only one level is flattened:
 * deeper objects and arrays are written as JSON by the cell encoder.
 */
export function exportColumns (record: TSchema, resolve: SchemaResolver): ExportColumn[] {
  const properties = propertiesOf(record as JsonSchema, resolve)
  if (properties === undefined) throw new Error('an exported record schema must be an object')
  const columns: ExportColumn[] = []
  for (const [field, schema] of Object.entries(properties)) {
    const parts = propertiesOf(schema, resolve)
    if (parts === undefined) {
      columns.push({ name: field, value: (dto) => dto[field] })
      continue
    }
    for (const part of Object.keys(parts)) {
      columns.push({
        name: `${field}.${part}`,
        value: (dto) => {
          const nested = dto[field]
          return nested !== null && typeof nested === 'object'
            ? (nested as Record<string, unknown>)[part]
            : null
        }
      })
    }
  }
  return columns
}

/**
 * The fixed properties of an object schema, seen through a `$ref` and a
 * nullable `anyOf [T, null]`; undefined for anything else (scalars, arrays,
 * free-form records).
 */
function propertiesOf (schema: JsonSchema, resolve: SchemaResolver): Record<string, JsonSchema> | undefined {
  if (typeof schema.$ref === 'string') {
    const target = resolve(schema.$ref)
    return target === undefined ? undefined : propertiesOf(target as JsonSchema, resolve)
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as JsonSchema[]).filter((b) => b.type !== 'null')
    return branches.length === 1 ? propertiesOf(branches[0] as JsonSchema, resolve) : undefined
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  const props = schema.properties
  if (!types.includes('object') || props === null || typeof props !== 'object') return undefined
  return Object.keys(props).length === 0 ? undefined : (props as Record<string, JsonSchema>)
}
