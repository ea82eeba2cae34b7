import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../lib/http/responses.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import { listStages } from './opportunity-stages.queries.js'
import { type OpportunityStage, OpportunityStageSchema } from './opportunity-stages.schemas.js'

const read = { permission: { resource: 'opportunity-stages', action: 'read' as const } }

const StageListSchema = Type.Object(
  { data: Type.Array(Type.Unsafe(Type.Ref('OpportunityStage'))) },
  { description: 'Every stage of the workspace, in pipeline order', additionalProperties: false }
)

export async function opportunityStagesRoutes (app: FastifyInstance) {
  app.addSchema(OpportunityStageSchema)

  app.get('/v1/opportunity-stages', {
    config: read,
    schema: {
      tags: ['Opportunity stages'],
      operationId: 'listOpportunityStages',
      summary: 'List opportunity stages',
      description: 'The whole pipeline of the workspace, ordered by `position`; it is short, so it is not paged. ' +
        'A new workspace starts with prospecting, qualification, proposal, negotiation, closed_won and closed_lost.',
      security: [{ bearerAuth: [] }],
      // No paging, filters or sort: an unknown parameter is a 400, as on every list.
      querystring: Type.Object({}, { additionalProperties: false }),
      response: {
        200: jsonResponse('The stages', StageListSchema),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => {
    const rows = await listStages(app.deps.db, request.tenant.workspaceId)
    return { data: rows.map((row) => recordToDto<OpportunityStage>(OpportunityStageSchema, row)) }
  })
}
