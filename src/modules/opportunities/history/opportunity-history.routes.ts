import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../../lib/http/responses.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { DEFAULT_LIMIT, getRecord, MAX_LIMIT } from '../../../lib/resource/resource.queries.js'
import { recordToDto } from '../../../lib/resource/resource.schemas.js'
import { pageSchema, UuidSchema } from '../../../lib/schemas.js'
import { opportunityResource } from '../opportunities.resource.js'
// Registers the change listener that writes the history, whenever the API loads.
import './opportunity-history.listener.js'
import { listHistory } from './opportunity-history.queries.js'
import {
  type OpportunityHistoryEntry,
  OpportunityHistoryEntrySchema
} from './opportunity-history.schemas.js'

const ParamsSchema = Type.Object({ opportunityId: UuidSchema }, { additionalProperties: false })

const QuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: `page size, at most ${MAX_LIMIT}`
    })),
    cursor: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'the nextCursor of the previous page'
    }))
  },
  { additionalProperties: false }
)

export async function opportunityHistoryRoutes (app: FastifyInstance) {
  app.addSchema(OpportunityHistoryEntrySchema)
  const entryRef = Type.Unsafe(Type.Ref('OpportunityHistoryEntry'))

  app.get('/v1/opportunities/:opportunityId/history', {
    config: { permission: { resource: 'opportunities', action: 'read' as const } },
    schema: {
      tags: ['Opportunities'],
      operationId: 'listOpportunityHistory',
      summary: 'List the history of an opportunity',
      description: 'Every write that changed the opportunity\'s `stage`, `amount`, `probability` or ' +
        '`closeDate`, newest first, with the values before and after: one entry for the creation (all ' +
        'four in `changedFields`, the previous values null), then one per write that changed any of the ' +
        'four (a write that changes none of them, such as a new name, adds nothing). A change of a ' +
        'stage\'s flags changes none of the four and is not recorded. Paged with `limit` and `cursor`; ' +
        'the order is fixed. An unknown or deleted opportunity answers 404.',
      security: [{ bearerAuth: [] }],
      params: ParamsSchema,
      querystring: QuerySchema,
      response: {
        200: jsonResponse('A page of the history', pageSchema(entryRef, 'A page of history entries')),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { opportunityId } = request.params as { opportunityId: string }
    const query = request.query as { limit?: number, cursor?: string }
    const workspaceId = request.tenant.workspaceId
    const opportunity = await getRecord(app.deps.db, opportunityResource, workspaceId, opportunityId)
    if (opportunity === undefined) throw notFound(opportunityResource, opportunityId)

    const page = await listHistory(app.deps.db, workspaceId, opportunityId, {
      limit: query.limit ?? DEFAULT_LIMIT,
      cursor: query.cursor
    })
    return {
      data: page.rows.map((row) =>
        recordToDto<OpportunityHistoryEntry>(OpportunityHistoryEntrySchema, row)),
      nextCursor: page.nextCursor
    }
  })
}
