import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  jsonResponse,
  LocationHeader,
  problemResponses
} from '../../lib/http/responses.js'
import { listRecords, MAX_LIMIT } from '../../lib/resource/resource.queries.js'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { etag } from '../../lib/resource/resource.service.js'
import { pageSchema } from '../../lib/schemas.js'
import { opportunityStageResource as def } from './opportunity-stages.resource.js'
import { MAX_STAGES } from './opportunity-stages.schemas.js'
import { createStage } from './opportunity-stages.service.js'

const TAG = 'Opportunity stages'
const BASE = '/v1/opportunity-stages'
const read = { permission: { resource: 'opportunity-stages', action: 'read' as const } }
const write = { permission: { resource: 'opportunity-stages', action: 'write' as const } }
const StageRefSchema = Type.Unsafe(Type.Ref('OpportunityStage'))

// The pipeline order; not a choice of the caller, so the list takes no `sort`.
const PIPELINE_ORDER = 'position,key'

const ListQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: MAX_STAGES,
      description: `page size, at most ${MAX_LIMIT}; default ${MAX_STAGES}, the most stages a workspace ` +
        'holds, so that without it the whole pipeline comes in one answer'
    })),
    cursor: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'the nextCursor of the previous page'
    }))
  },
  { additionalProperties: false }
)

export async function opportunityStagesRoutes (app: FastifyInstance) {
  app.addSchema(def.schemas.record)

  app.get(BASE, {
    config: read,
    schema: {
      tags: [TAG],
      operationId: 'listOpportunityStages',
      summary: 'List opportunity stages',
      description: 'The pipeline of the workspace, ordered by `position`, then `key`. A workspace has at ' +
        `most ${MAX_STAGES} stages and \`limit\` defaults to that, so without \`limit\` the whole pipeline ` +
        'comes in one answer and `nextCursor` is null; with a smaller `limit` it is paged like every list. ' +
        'A new workspace starts with prospecting, qualification, proposal, negotiation, closed_won and ' +
        'closed_lost. There is no sort, filter or `q`: an unknown parameter is a 400.',
      security: [{ bearerAuth: [] }],
      querystring: ListQuerySchema,
      response: {
        200: jsonResponse('The stages', pageSchema(StageRefSchema, 'Stages in pipeline order')),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => {
    const query = request.query as { limit?: number, cursor?: string }
    const page = await listRecords(app.deps.db, def, request.tenant.workspaceId, {
      limit: query.limit ?? MAX_STAGES,
      cursor: query.cursor,
      sort: PIPELINE_ORDER
    })
    return { data: page.rows.map(def.toDto), nextCursor: page.nextCursor }
  })

  // Not the generic create: a key of a deleted stage revives that row.
  app.post(BASE, {
    config: { ...write, idempotent: true },
    schema: {
      tags: [TAG],
      operationId: 'createOpportunityStage',
      summary: 'Create a stage',
      description: def.descriptions?.create,
      security: [{ bearerAuth: [] }],
      headers: IdempotencyHeaders,
      body: def.schemas.create,
      response: {
        201: jsonResponse('The new stage', StageRefSchema, { ETag: EtagHeader, Location: LocationHeader }),
        ...problemResponses(400, 401, 403, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const row = await createStage(app.deps.db, request.tenant, request.body)
    reply.code(201).header('location', `${BASE}/${row.id}`).header('etag', etag(row.version))
    return def.toDto(row)
  })

  registerResourceRoutes(app, def, { verbs: ['get', 'update', 'delete'] })
}
