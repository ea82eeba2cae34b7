import type { FastifyInstance } from 'fastify'
import { registerChildResourceRoutes } from '../../../lib/resource/child-resource.routes.js'
import { findOpportunity, opportunityResource } from '../opportunities.resource.js'
import { getLineItem } from './line-items.queries.js'
import { lineItemResource } from './line-items.resource.js'
import { type CreateLineItemBody, LineItemSchema, type UpdateLineItemBody } from './line-items.schemas.js'
import { addLineItem, changeLineItem, removeLineItem } from './line-items.service.js'
import { opportunityLineItems as items } from './line-items.table.js'

const AMOUNT_RULE = 'The opportunity is locked while the line item is written, then its `amount` is set to ' +
  'the exact sum of its line items\' `totalPrice` (recorded in its history like any change of amount).'

/**
 * `/v1/opportunities/{opportunityId}/line-items`: the products sold on an
 * opportunity. Reads and writes follow the opportunity's permissions; an
 * opportunity that does not exist for the caller (or was deleted) answers
 * 404 on every route.
 */
export async function lineItemsRoutes (app: FastifyInstance) {
  app.addSchema(LineItemSchema)
  registerChildResourceRoutes(app, {
    parent: opportunityResource,
    findParent: findOpportunity,
    child: lineItemResource,
    segment: 'line-items',
    link: items.opportunityId,
    operations: {
      list: {
        summary: 'List the line items of an opportunity',
        description: 'A page of the opportunity\'s line items, newest first unless `sort` says otherwise, ' +
          'with the cursor, sort and filter grammar of every list. An unknown opportunity answers 404.'
      },
      create: {
        summary: 'Add a line item to an opportunity',
        description: 'Adds a product to the opportunity. The product must be a live product of the ' +
          'workspace (422 `CRM_INVALID_REFERENCE`) and active (422 `CRM_PRODUCT_INACTIVE`). `quantity` ' +
          'defaults to 1 and `discountPercent` to 0. Without a `unitPrice` the product\'s is used: it must ' +
          'have one (422 `CRM_LINE_ITEM_PRICE_REQUIRED`) in the opportunity\'s currency (422 ' +
          '`CRM_LINE_ITEM_CURRENCY_MISMATCH`); a `unitPrice` given is in the opportunity\'s currency. ' +
          '`totalPrice` is quantity × unitPrice × (100 − discountPercent) / 100, in exact decimals, rounded ' +
          'half up to cents; a total or a sum above 999999999999.99 answers 422 ' +
          `\`CRM_LINE_ITEM_TOTAL_TOO_LARGE\`. ${AMOUNT_RULE} Idempotency-Key replays a retry.`
      },
      get: {
        summary: 'Get a line item of an opportunity',
        description: 'A line item of another opportunity, or of an unknown one, answers 404.'
      },
      update: {
        summary: 'Change a line item of an opportunity',
        description: 'Merges the body into the line item and computes `totalPrice` again; the product ' +
          'cannot change (remove the line item and add another). A product that became inactive does not ' +
          `keep its line items from changing. ${AMOUNT_RULE} With If-Match, a stale ETag answers 412 and ` +
          'changes nothing.'
      },
      delete: {
        summary: 'Remove a line item from an opportunity',
        description: `Removes the line item. ${AMOUNT_RULE} Removing the last line item leaves \`amount\` ` +
          'at its last sum and makes it writable again. With If-Match, a stale ETag answers 412.'
      }
    },
    answers: { update: 'The changed line item' },
    get: getLineItem,
    create: (db, tenant, opportunityId, body) =>
      addLineItem(db, tenant, opportunityId, body as CreateLineItemBody),
    update: (db, tenant, opportunityId, id, patch, ifMatch) =>
      changeLineItem(db, tenant, opportunityId, id, patch as UpdateLineItemBody, ifMatch),
    delete: removeLineItem
  })
}
