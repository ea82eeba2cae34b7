import { eq, ne, sql } from 'drizzle-orm'
import { registerUniqueConstraint } from '../../lib/constraints.js'
import { type FieldError, withFieldErrors } from '../../lib/errors.js'
import { scoped, type WriteContext } from '../../lib/records/tenant.js'
import { moneyFields, pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accounts } from '../accounts/accounts.table.js'
import { cases } from '../cases/cases.table.js'
import { opportunityLineItems } from '../opportunities/line-items/line-items.table.js'
import { getWorkspace } from '../workspaces/workspaces.queries.js'
import { SkuTakenError, VendorAmbiguousError } from './products.errors.js'
import { type Product, productSchemas } from './products.schemas.js'
import { products, productsSearch } from './products.table.js'

type ProductRow = typeof products.$inferSelect & Row

const PLAIN = [
  'name', 'sku', 'description', 'unitPrice', 'currency', 'cost', 'vendorAccountId', 'vendorName',
  'category', 'unitOfMeasure', 'isActive', 'isTaxable'
] as const
const VENDOR_FIELDS = ['vendorAccountId', 'vendorName'] as const

// The pre-check below answers the usual case; this explains the race it lost.
registerUniqueConstraint('products_workspace_id_sku_key', {
  pointer: '/sku',
  message: 'another product already has this SKU',
  code: 'CRM_PRODUCT_SKU_TAKEN'
})

export const productTarget = (): ReferenceTarget => ({ name: 'product', table: products })

const vendorAccountTarget = (): ReferenceTarget => ({
  name: 'account',
  table: accounts,
  condition: eq(accounts.type, 'vendor'),
  conditionMessage: 'a vendor must be an account of type vendor'
})

/** SKUs are unique per workspace ignoring case, among live products. */
async function assertSkuFree (ctx: WriteContext, sku: string, exceptId?: string) {
  const [taken] = await ctx.tx
    .select({ id: products.id })
    .from(products)
    .where(scoped(
      products,
      ctx.tenant.workspaceId,
      sql`lower(${products.sku}) = lower(${sku})`,
      exceptId === undefined ? undefined : ne(products.id, exceptId)
    ))
    .limit(1)
  if (taken !== undefined) {
    const message = 'another product already has this SKU'
    throw withFieldErrors(new SkuTakenError(sku), [{ pointer: '/sku', message }])
  }
}

/**
 * A vendor is an account or a free-text name, never both; the check runs on
 * the record as it will be and names the fields this write set.
 */
function assertOneVendor (merged: Record<string, unknown>, body: Record<string, unknown>) {
  if (merged.vendorAccountId == null || merged.vendorName == null) return
  const named = VENDOR_FIELDS.filter((f) => body[f] != null)
  const message = 'a product has either vendorAccountId or vendorName, not both; set the other to null'
  const errors: FieldError[] = named.map((f) => ({ pointer: `/${f}`, message }))
  throw withFieldErrors(new VendorAmbiguousError(message), errors)
}

export const productResource: ResourceDefinition<ProductRow, Product> = {
  name: 'product',
  plural: 'products',
  code: 'PRODUCT',
  noun: 'Product',
  nounPlural: 'Products',
  tag: 'Products',
  table: products,
  schemas: productSchemas,
  descriptions: {
    create: 'Creates a product. `sku` is unique in the workspace ignoring case (409); the vendor is either ' +
      '`vendorAccountId` (an account of type vendor) or `vendorName`, not both (422). `currency` defaults to ' +
      'the workspace currency; `isActive` and `isTaxable` default to true.',
    delete: 'Deletes the product. A product that live cases or line items still refer to is not deleted: the answer is 409 ' +
      'and names them.'
  },
  sortable: {
    createdAt: { column: products.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: products.updatedAt, kind: 'timestamp', nullable: false },
    name: { column: products.name, kind: 'text', nullable: false },
    sku: { column: products.sku, kind: 'text', nullable: true },
    unitPrice: { column: products.unitPrice, kind: 'number', nullable: true }
  },
  filters: [
    { kind: 'boolean', name: 'isActive', column: products.isActive },
    { kind: 'boolean', name: 'isTaxable', column: products.isTaxable },
    { kind: 'text', name: 'category', column: products.category },
    { kind: 'text', name: 'sku', column: products.sku },
    { kind: 'uuid', name: 'vendorAccountId', column: products.vendorAccountId },
    { kind: 'moneyRange', name: 'unitPrice', column: products.unitPrice },
    { kind: 'timestampRange', name: 'createdAt', column: products.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: products.updatedAt }
  ],
  search: productsSearch(products),
  searchDescription: 'words to find in name, SKU or description',
  references: [
    { field: 'vendorAccountId', target: vendorAccountTarget }
  ],
  referencedBy: [
    { label: 'cases', table: () => cases, column: () => cases.productId },
    { label: 'line items', table: () => opportunityLineItems, column: () => opportunityLineItems.productId }
  ],
  toDto: (row) => recordToDto<Product>(productSchemas.record, row),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    moneyFields(values, ['unitPrice', 'cost'])
    assertOneVendor(values, input)
    if (typeof values.sku === 'string') await assertSkuFree(ctx, values.sku)
    if (values.currency === undefined) {
      values.currency = (await getWorkspace(ctx.tx, ctx.tenant.workspaceId))?.currency
    }
    values.isActive ??= true
    values.isTaxable ??= true
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    moneyFields(values, ['unitPrice', 'cost'])
    assertOneVendor({ ...current, ...values }, input)
    if (typeof values.sku === 'string' && values.sku !== current.sku) {
      await assertSkuFree(ctx, values.sku, current.id)
    }
    return values
  }
}
