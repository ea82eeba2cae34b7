import { getTableColumns, getTableName } from 'drizzle-orm'
import type { TSchema } from 'typebox'
import type { BulkReference } from '../../lib/records/record-bulk-writer.js'
import { domainOf } from '../../lib/resource/resource.fields.js'
import type { AnyResourceDefinition } from '../../lib/resource/resource.js'
import { accountResource } from '../accounts/accounts.resource.js'
import { contactResource } from '../contacts/contacts.resource.js'
import { leadResource } from '../leads/leads.resource.js'
import { productResource } from '../products/products.resource.js'
import type { ImportObjectName } from './imports.schemas.js'

/**
 * What an import knows of each collection it writes. The fields, their
 * types and which are required come from the resource's own create schema
 * (the one POST /v1/<collection> validates with), and the references from
 * its reference list; this file adds only what a set-based write needs
 * that the API's per-record hooks (prepareCreate) do in code: defaults,
 * derived columns, upsert keys and the SQL of reference conditions.
 */

export type FieldKind = 'string' | 'integer' | 'boolean' | 'parts'

export interface ImportField {
  /** The API field, camelCase. */
  name: string
  /** Its column, snake_case. */
  column: string
  sqlType: string
  kind: FieldKind
  /** For an address: its parts (street, city…). */
  parts?: readonly string[]
  isRequired: boolean
}

/** Values the import fills in when a row does not give them (what prepareCreate does). */
export interface DefaultsContext {
  ownerId: string | null
  currency: string
}

export interface DerivedColumn {
  column: string
  sqlType: string
  /** The field it derives from: given when that field is given. */
  from: string
  derive: (value: unknown) => unknown
}

export interface ImportObject {
  name: ImportObjectName
  resource: AnyResourceDefinition
  table: string
  fields: readonly ImportField[]
  defaults: (ctx: DefaultsContext) => Record<string, unknown>
  derived: readonly DerivedColumn[]
  /** Each upsert key: the field it comes from, its SQL on a staged row (`s`) and on a stored row (`t`). */
  keys: Record<string, { field: string, staged: string, stored: string }>
  /** A unique index new rows may collide with: such rows are skipped. */
  onConflict?: string
  references: readonly BulkReference[]
  frozen?: { condition: string, message: (id: string) => string }
  exclusive?: readonly { columns: readonly [string, string], message: string }[]
  tree?: { parent: string, message: string }
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

interface SchemaNode {
  type?: string | string[]
  properties?: Record<string, SchemaNode>
  anyOf?: SchemaNode[]
  required?: string[]
}

function kindOf (schema: SchemaNode): { kind: FieldKind, parts?: string[] } {
  const types = [schema.type ?? schema.anyOf?.map((s) => s.type)].flat().filter((t) => t !== 'null')
  const object = schema.properties !== undefined ? schema : schema.anyOf?.find((s) => s.properties)
  if (object?.properties !== undefined) return { kind: 'parts', parts: Object.keys(object.properties) }
  if (types.includes('integer')) return { kind: 'integer' }
  if (types.includes('boolean')) return { kind: 'boolean' }
  return { kind: 'string' }
}

/** The writable fields of a resource, read from its create schema and its table. */
function fieldsOf (resource: AnyResourceDefinition): ImportField[] {
  const schema = resource.schemas.create as TSchema & SchemaNode
  const columns = getTableColumns(resource.table) as Record<string, { getSQLType: () => string }>
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([name, node]) => {
    const column = columns[name]
    if (column === undefined) throw new Error(`${resource.plural}.${name} has no column`)
    return { name, column: snake(name), sqlType: column.getSQLType(), isRequired: required.has(name), ...kindOf(node) }
  })
}

/**
 * Conditions of reference targets, as SQL on the target row `r`; each
 * mirrors the drizzle condition of the target (users.references.ts,
 * products.resource.ts). A target with a condition missing here fails at
 * start-up rather than go unchecked.
 */
const TARGET_CONDITIONS: Record<string, string> = {
  'users': 'r.is_active',
  'products.vendorAccountId': 'r.type = \'vendor\''
}

function referencesOf (resource: AnyResourceDefinition): BulkReference[] {
  return resource.references.map((ref) => {
    const target = ref.target()
    const table = getTableName(target.table)
    const condition = TARGET_CONDITIONS[`${resource.plural}.${ref.field}`] ?? TARGET_CONDITIONS[table]
    if (target.condition !== undefined && condition === undefined) {
      throw new Error(`the import does not know the condition of ${resource.plural}.${ref.field}`)
    }
    return {
      column: snake(ref.field),
      field: ref.field,
      table,
      noun: target.name,
      ...(condition === undefined ? {} : { condition }),
      ...(target.conditionMessage === undefined ? {} : { conditionMessage: target.conditionMessage })
    }
  })
}

const people = (ctx: DefaultsContext) => ({ ownerId: ctx.ownerId, doNotCall: false, emailOptOut: false })

function define (
  resource: AnyResourceDefinition,
  spec: Omit<ImportObject, 'resource' | 'table' | 'fields' | 'references' | 'name'>
): ImportObject {
  return {
    name: resource.plural as ImportObjectName,
    resource,
    table: getTableName(resource.table),
    fields: fieldsOf(resource),
    references: referencesOf(resource),
    ...spec
  }
}

export const IMPORT_OBJECT: Record<ImportObjectName, ImportObject> = {
  accounts: define(accountResource, {
    defaults: (ctx) => ({ ownerId: ctx.ownerId }),
    derived: [{ column: 'domain', sqlType: 'text', from: 'website', derive: (v) => domainOf(v as string | null) }],
    keys: {
      domain: { field: 'website', staged: 's.domain', stored: 't.domain' },
      name: { field: 'name', staged: 'lower(trim(s.name))', stored: 'lower(trim(t.name))' }
    },
    tree: { parent: 'parent_account_id', message: 'parentAccountId: an account cannot be its own parent or a parent of its parent' }
  }),
  contacts: define(contactResource, {
    defaults: people,
    derived: [],
    keys: { email: { field: 'email', staged: 'lower(s.email)', stored: 'lower(t.email)' } },
    onConflict: '(workspace_id, lower(email)) where deleted_at is null'
  }),
  leads: define(leadResource, {
    defaults: (ctx) => ({ ...people(ctx), currency: ctx.currency, status: 'open' }),
    derived: [],
    keys: { email: { field: 'email', staged: 'lower(s.email)', stored: 'lower(t.email)' } },
    frozen: {
      condition: 't.status = \'converted\'',
      message: (id) => `'lead ' || ${id} || ' is converted and no longer changes'`
    }
  }),
  products: define(productResource, {
    defaults: (ctx) => ({ currency: ctx.currency, isActive: true, isTaxable: true }),
    derived: [],
    keys: { sku: { field: 'sku', staged: 'lower(s.sku)', stored: 'lower(t.sku)' } },
    onConflict: '(workspace_id, lower(sku)) where deleted_at is null',
    exclusive: [{
      columns: ['vendor_account_id', 'vendor_name'],
      message: 'vendorAccountId, vendorName: a product has either vendorAccountId or vendorName, not both; ' +
        'set the other to null'
    }]
  })
}
