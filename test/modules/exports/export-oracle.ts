import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'

/**
 * What an export should hold, worked out in the test from the documented
 * contract (the OpenAPI components and the rules of the operation's
 * description), not from the exporter's own code.
 */

/** The seven exported collections, their record components and tables. */
export const COLLECTIONS = [
  { plural: 'accounts', component: 'Account', table: 'accounts' },
  { plural: 'contacts', component: 'Contact', table: 'contacts' },
  { plural: 'leads', component: 'Lead', table: 'leads' },
  { plural: 'opportunities', component: 'Opportunity', table: 'opportunities' },
  { plural: 'products', component: 'Product', table: 'products' },
  { plural: 'cases', component: 'Case', table: 'cases' },
  { plural: 'campaigns', component: 'Campaign', table: 'campaigns' }
] as const

type Schema = Record<string, unknown>

/** The documented CSV header: record fields in order, objects with fixed properties one column each. */
export function expectedHeader (app: FastifyInstance, component: string): string[] {
  const components = (app.swagger() as unknown as { components: { schemas: Record<string, Schema> } })
    .components.schemas
  const objectProps = (schema: Schema): string[] | undefined => {
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace('#/components/schemas/', '')
      const target = components[name]
      return target === undefined ? undefined : objectProps(target)
    }
    if (Array.isArray(schema.anyOf)) {
      const branches = (schema.anyOf as Schema[]).filter((b) => b.type !== 'null')
      return branches.length === 1 ? objectProps(branches[0] as Schema) : undefined
    }
    const props = schema.properties as Record<string, Schema> | undefined
    return props === undefined ? undefined : Object.keys(props)
  }
  const record = components[component] as Schema
  const header: string[] = []
  for (const [field, schema] of Object.entries(record.properties as Record<string, Schema>)) {
    const parts = objectProps(schema)
    if (parts === undefined) header.push(field)
    else header.push(...parts.map((p) => `${field}.${p}`))
  }
  return header
}

const FORMULA = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']

/** A value starting with quotes and then a formula character, other than a negative number, is quoted. */
export function expectedText (text: string): string {
  const rest = text.replace(/^'*/, '')
  const isNegativeNumber = /^-\d+(\.\d+)?$/.test(text)
  return FORMULA.includes(rest.charAt(0)) && !isNegativeNumber ? `'${text}` : text
}

/** The stored value of a CSV cell: one added quote dropped, as the description says. */
export function unneutralize (cell: string): string {
  const rest = cell.replace(/^'+/, '')
  return rest !== cell && FORMULA.includes(rest.charAt(0)) ? cell.slice(1) : cell
}

/** Whether a cell would run as a formula in a spreadsheet. */
export function runsAsFormula (cell: string): boolean {
  return FORMULA.includes(cell.charAt(0)) && !/^-\d+(\.\d+)?$/.test(cell)
}

/** The cell a DTO value becomes: null empty, booleans true/false, objects JSON. */
export function expectedCell (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return expectedText(value)
  if (typeof value === 'boolean' || typeof value === 'number') return String(value)
  return expectedText(JSON.stringify(value))
}

/** The value of a (possibly dotted) column in a DTO; a null parent gives null. */
export function valueAt (dto: Record<string, unknown>, column: string): unknown {
  const [field, part] = column.split('.') as [string, string | undefined]
  const value = dto[field]
  if (part === undefined) return value
  return value === null || value === undefined ? null : (value as Record<string, unknown>)[part]
}

/** The expected CSV rows (without header) of a list of DTOs. */
export function expectedRows (header: string[], dtos: Record<string, unknown>[]): string[][] {
  return dtos.map((dto) => header.map((column) => expectedCell(valueAt(dto, column))))
}

/**
 * A CSV body parsed back as rows of cells, strictly: every row as wide as
 * the first, and any CR or LF outside quotes ends a record, so a line break
 * left unquoted inside a field shows as a broken row.
 */
export function parseCsv (body: string, options: { bom?: boolean } = {}): string[][] {
  return parse(body, {
    bom: options.bom ?? false,
    relax_column_count: false,
    record_delimiter: ['\r\n', '\r', '\n']
  }) as string[][]
}

/** An NDJSON body as its records; every line must parse. */
export function parseNdjson (body: string): Record<string, unknown>[] {
  if (body === '') return []
  if (!body.endsWith('\n')) throw new Error('NDJSON body does not end with a newline')
  return body.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
}
