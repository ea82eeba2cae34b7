import { eq, sql } from 'drizzle-orm'
import { searchDocument } from '../../../db/full-text.js'
import { InvalidReferenceError, withFieldErrors } from '../../../lib/errors.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { moneyFields, pickFields } from '../../../lib/resource/resource.fields.js'
import { recordToDto } from '../../../lib/resource/resource.schemas.js'
import type { ResourceDefinition } from '../../../lib/resource/resource.js'
import { products, productsSearch } from '../../products/products.table.js'
import type { opportunities } from '../opportunities.table.js'
import {
  LineItemCurrencyMismatchError,
  LineItemPriceRequiredError,
  LineItemTotalTooLargeError,
  ProductInactiveError
} from './line-items.errors.js'
import type { LineItemRow } from './line-items.queries.js'
import {
  type CreateLineItemBody,
  CreateLineItemBodySchema,
  type LineItem,
  LineItemSchema,
  type UpdateLineItemBody,
  UpdateLineItemBodySchema
} from './line-items.schemas.js'
import { opportunityLineItems as items } from './line-items.table.js'
import { exceedsMoney, lineItemTotal, MAX_MONEY } from './line-items.totals.js'

type OpportunityRow = typeof opportunities.$inferSelect

const PATCHABLE = ['quantity', 'unitPrice', 'discountPercent', 'description'] as const

/** What adding a line item knows: the locked opportunity and the validated body. */
export interface NewLineItem {
  opportunity: OpportunityRow
  body: CreateLineItemBody
}

/** `q` finds a line item by its description or by its product's name and SKU. */
const lineItemsSearch = sql`(${searchDocument([items.description])} || coalesce((
  select ${productsSearch(products)} from ${products}
  where ${products.workspaceId} = ${items.workspaceId} and ${products.id} = ${items.productId}
), ''::tsvector))`

function refuse<E extends Error> (error: E, pointer: string): E {
  return withFieldErrors(error, [{ pointer, message: error.message }])
}

/**
 * The product a new line item names: a live product of the workspace
 * (locked FOR SHARE, so a concurrent delete of it waits and then sees the
 * item) that is active.
 */
async function activeProduct (ctx: WriteContext, productId: string) {
  const [product] = await ctx.tx
    .select()
    .from(products)
    .where(scoped(products, ctx.tenant.workspaceId, eq(products.id, productId)))
    .for('share')
  if (product === undefined) {
    const message = `no product with id ${productId}`
    throw withFieldErrors(new InvalidReferenceError(`productId: ${message}`), [
      { pointer: '/productId', message }
    ])
  }
  if (!product.isActive) {
    const error = new ProductInactiveError(`product ${productId} is inactive and cannot be added`)
    throw refuse(error, '/productId')
  }
  return product
}

/** The total of the line item as it will be; refused when no column could hold it. */
function totalOf (values: { quantity: string, unitPrice: string, discountPercent: string }) {
  const total = lineItemTotal(values.quantity, values.unitPrice, values.discountPercent)
  if (exceedsMoney(total)) {
    const error = new LineItemTotalTooLargeError(
      `quantity × unitPrice comes to ${total}, more than the largest amount, ${MAX_MONEY}`
    )
    throw refuse(error, '/quantity')
  }
  return total
}

/**
 * The line items of an opportunity as a resource: what the list, the get
 * and the writes of line-items.service.ts share. Its writes are not the
 * generic ones, which know nothing of the opportunity's amount.
 */
export const lineItemResource: ResourceDefinition<LineItemRow, LineItem> = {
  name: 'line item',
  plural: 'opportunity-line-items',
  code: 'LINE_ITEM',
  noun: 'OpportunityLineItem',
  nounPlural: 'OpportunityLineItems',
  tag: 'Opportunities',
  idParam: 'lineItemId',
  wording: { plural: 'line items' },
  table: items,
  schemas: {
    record: LineItemSchema,
    create: CreateLineItemBodySchema,
    update: UpdateLineItemBodySchema
  },
  sortable: {
    createdAt: { column: items.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: items.updatedAt, kind: 'timestamp', nullable: false },
    quantity: { column: items.quantity, kind: 'number', nullable: false },
    unitPrice: { column: items.unitPrice, kind: 'number', nullable: false },
    totalPrice: { column: items.totalPrice, kind: 'number', nullable: false }
  },
  filters: [
    { kind: 'uuid', name: 'productId', column: items.productId },
    { kind: 'moneyRange', name: 'totalPrice', column: items.totalPrice },
    { kind: 'timestampRange', name: 'createdAt', column: items.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: items.updatedAt }
  ],
  search: lineItemsSearch,
  searchDescription: 'words to find in the description or the product\'s name and SKU',
  references: [],
  referencedBy: [],
  toDto: (row) => recordToDto<LineItem>(LineItemSchema, row),
  async prepareCreate (ctx, input) {
    const { opportunity, body } = input as NewLineItem
    const product = await activeProduct(ctx, body.productId)
    let unitPrice = body.unitPrice
    if (unitPrice === undefined) {
      if (product.unitPrice === null) {
        const error = new LineItemPriceRequiredError(
          `product ${product.id} has no unitPrice; give the line item one`
        )
        throw refuse(error, '/unitPrice')
      }
      // A price given by the caller is in the opportunity's currency; the
      // product's is in its own, and is not converted.
      if (product.currency !== opportunity.currency) {
        const error = new LineItemCurrencyMismatchError(
          `product ${product.id} is priced in ${product.currency} and the opportunity is in ` +
            `${opportunity.currency}; give a unitPrice in ${opportunity.currency}`
        )
        throw refuse(error, '/unitPrice')
      }
      unitPrice = product.unitPrice
    }
    const values = {
      opportunityId: opportunity.id,
      productId: product.id,
      quantity: body.quantity ?? '1',
      unitPrice: moneyFields({ unitPrice }, ['unitPrice']).unitPrice as string,
      discountPercent: body.discountPercent ?? '0',
      description: body.description ?? null
    }
    return { ...values, totalPrice: totalOf(values) }
  },
  async prepareUpdate (_ctx, current, patch) {
    const values = pickFields(patch as UpdateLineItemBody, PATCHABLE)
    moneyFields(values, ['unitPrice'])
    const merged = { ...current, ...values } as Parameters<typeof totalOf>[0]
    return { ...values, totalPrice: totalOf(merged) }
  }
}
