import { eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  LocationHeader,
  NoContentResponse,
  problemResponses
} from '../../../lib/http/responses.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { listRecords, type ListQuery } from '../../../lib/resource/resource.queries.js'
import { listQuerySchema } from '../../../lib/resource/resource.routes.js'
import { etag } from '../../../lib/resource/resource.service.js'
import { pageSchema, UuidSchema } from '../../../lib/schemas.js'
import { findOpportunity } from '../opportunities.resource.js'
import { getLineItem } from './line-items.queries.js'
import { lineItemResource } from './line-items.resource.js'
import {
  type CreateLineItemBody,
  CreateLineItemBodySchema,
  LineItemSchema,
  type UpdateLineItemBody,
  UpdateLineItemBodySchema
} from './line-items.schemas.js'
import { addLineItem, changeLineItem, removeLineItem } from './line-items.service.js'
import { opportunityLineItems as items } from './line-items.table.js'

const ParentParamsSchema = Type.Object(
  { opportunityId: UuidSchema },
  { additionalProperties: false }
)
const ItemParamsSchema = Type.Object(
  { opportunityId: UuidSchema, lineItemId: UuidSchema },
  { additionalProperties: false }
)
type ItemParams = { opportunityId: string, lineItemId: string }

const lineItemRef = Type.Unsafe(Type.Ref('OpportunityLineItem'))
const read = { permission: { resource: 'opportunities', action: 'read' as const } }
const write = { permission: { resource: 'opportunities', action: 'write' as const } }
const common = { tags: ['Opportunities'], security: [{ bearerAuth: [] }] }

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
  const base = '/v1/opportunities/:opportunityId/line-items'
  const item = `${base}/:lineItemId`

  app.get(base, {
    config: read,
    schema: {
      ...common,
      operationId: 'listOpportunityLineItems',
      summary: 'List the line items of an opportunity',
      description: 'A page of the opportunity\'s line items, newest first unless `sort` says otherwise, ' +
        'with the cursor, sort and filter grammar of every list. An unknown opportunity answers 404.',
      params: ParentParamsSchema,
      querystring: listQuerySchema(lineItemResource),
      response: {
        200: jsonResponse(
          'A page of line items', pageSchema(lineItemRef, 'A page of line items')
        ),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { opportunityId } = request.params as { opportunityId: string }
    const workspaceId = request.tenant.workspaceId
    await findOpportunity(app.deps.db, workspaceId, opportunityId)
    const page = await listRecords(
      app.deps.db, lineItemResource, workspaceId, request.query as ListQuery,
      eq(items.opportunityId, opportunityId)
    )
    return { data: page.rows.map(lineItemResource.toDto), nextCursor: page.nextCursor }
  })

  app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      ...common,
      operationId: 'createOpportunityLineItem',
      summary: 'Add a line item to an opportunity',
      description: 'Adds a product to the opportunity. The product must be a live product of the ' +
        'workspace (422 `CRM_INVALID_REFERENCE`) and active (422 `CRM_PRODUCT_INACTIVE`). `quantity` ' +
        'defaults to 1 and `discountPercent` to 0. Without a `unitPrice` the product\'s is used: it must ' +
        'have one (422 `CRM_LINE_ITEM_PRICE_REQUIRED`) in the opportunity\'s currency (422 ' +
        '`CRM_LINE_ITEM_CURRENCY_MISMATCH`); a `unitPrice` given is in the opportunity\'s currency. ' +
        '`totalPrice` is quantity × unitPrice × (100 − discountPercent) / 100, in exact decimals, rounded ' +
        'half up to cents; a total or a sum above 999999999999.99 answers 422 ' +
        `\`CRM_LINE_ITEM_TOTAL_TOO_LARGE\`. ${AMOUNT_RULE} Idempotency-Key replays a retry.`,
      headers: IdempotencyHeaders,
      params: ParentParamsSchema,
      body: CreateLineItemBodySchema,
      response: {
        201: jsonResponse(
          'The new line item', lineItemRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { opportunityId } = request.params as { opportunityId: string }
    const body = request.body as CreateLineItemBody
    const row = await addLineItem(app.deps.db, request.tenant, opportunityId, body)
    reply.code(201)
    reply.header('location', `/v1/opportunities/${opportunityId}/line-items/${row.id}`)
    reply.header('etag', etag(row.version))
    return lineItemResource.toDto(row)
  })

  app.get(item, {
    config: read,
    schema: {
      ...common,
      operationId: 'getOpportunityLineItem',
      summary: 'Get a line item of an opportunity',
      description: 'A line item of another opportunity, or of an unknown one, answers 404.',
      params: ItemParamsSchema,
      response: {
        200: jsonResponse('The line item', lineItemRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, lineItemId } = request.params as ItemParams
    const workspaceId = request.tenant.workspaceId
    await findOpportunity(app.deps.db, workspaceId, opportunityId)
    const row = await getLineItem(app.deps.db, workspaceId, opportunityId, lineItemId)
    if (row === undefined) throw notFound(lineItemResource, lineItemId)
    reply.header('etag', etag(row.version))
    return lineItemResource.toDto(row)
  })

  app.patch(item, {
    config: write,
    schema: {
      ...common,
      operationId: 'updateOpportunityLineItem',
      summary: 'Change a line item of an opportunity',
      description: 'Merges the body into the line item and computes `totalPrice` again; the product ' +
        'cannot change (remove the line item and add another). A product that became inactive does not ' +
        `keep its line items from changing. ${AMOUNT_RULE} With If-Match, a stale ETag answers 412 and ` +
        'changes nothing.',
      headers: IfMatchHeaders,
      params: ItemParamsSchema,
      body: UpdateLineItemBodySchema,
      response: {
        200: jsonResponse('The changed line item', lineItemRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, lineItemId } = request.params as ItemParams
    const row = await changeLineItem(
      app.deps.db, request.tenant, opportunityId, lineItemId,
      request.body as UpdateLineItemBody, ifMatch(request)
    )
    reply.header('etag', etag(row.version))
    return lineItemResource.toDto(row)
  })

  app.delete(item, {
    config: write,
    schema: {
      ...common,
      operationId: 'deleteOpportunityLineItem',
      summary: 'Remove a line item from an opportunity',
      description: `Removes the line item. ${AMOUNT_RULE} Removing the last line item leaves \`amount\` ` +
        'at its last sum and makes it writable again. With If-Match, a stale ETag answers 412.',
      headers: IfMatchHeaders,
      params: ItemParamsSchema,
      response: {
        204: NoContentResponse,
        ...problemResponses(400, 401, 403, 404, 409, 412)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, lineItemId } = request.params as ItemParams
    await removeLineItem(app.deps.db, request.tenant, opportunityId, lineItemId, ifMatch(request))
    return reply.code(204).send()
  })
}

function ifMatch (request: FastifyRequest): string | undefined {
  return request.headers['if-match']
}
