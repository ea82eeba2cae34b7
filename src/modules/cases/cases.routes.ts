import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../lib/http/responses.js'
import { listRecords, type ListQuery } from '../../lib/resource/resource.queries.js'
import { listQuerySchema, registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { pageSchema } from '../../lib/schemas.js'
import { overdueFilter } from './cases.overdue.js'
import { caseResource, caseToDto } from './cases.resource.js'

export async function casesRoutes (app: FastifyInstance) {
  app.addSchema(caseResource.schemas.record)
  registerCaseList(app)
  registerResourceRoutes(app, caseResource, { verbs: ['create', 'get', 'update', 'delete'] })
}

/**
 * The generic list, except that one instant serves both the isOverdue filter
 * and each record's isOverdue, so a page never holds a case whose field
 * contradicts the filter that selected it.
 */
function registerCaseList (app: FastifyInstance) {
  const recordRef = Type.Unsafe(Type.Ref('Case'))
  app.get('/v1/cases', {
    config: { permission: { resource: 'cases', action: 'read' } },
    schema: {
      tags: [caseResource.tag],
      operationId: 'listCases',
      summary: 'List cases',
      description: caseResource.descriptions?.list,
      security: [{ bearerAuth: [] }],
      querystring: listQuerySchema(caseResource),
      response: {
        200: jsonResponse('A page of cases', pageSchema(recordRef, 'A page of cases')),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => {
    const now = new Date()
    const { isOverdue, ...query } = request.query as ListQuery & { isOverdue?: boolean }
    const overdue = isOverdue === undefined ? undefined : overdueFilter(isOverdue, now)
    const workspaceId = request.tenant.workspaceId
    const page = await listRecords(app.deps.db, caseResource, workspaceId, query, overdue)
    return { data: page.rows.map((row) => caseToDto(row, now)), nextCursor: page.nextCursor }
  })
}
