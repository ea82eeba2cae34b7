import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../../lib/http/responses.js'
import { DEFAULT_SERVICE_LEVELS, MAX_SLA_MINUTES, SLA_PRIORITIES } from './case-sla.defaults.js'
import { listSlaPolicies } from './case-sla.queries.js'
import {
  CaseSlaPolicyListSchema,
  CaseSlaPolicySchema,
  type ReplaceCaseSlaPoliciesBody,
  ReplaceCaseSlaPoliciesBodySchema
} from './case-sla.schemas.js'
import { replaceSlaPolicies } from './case-sla.service.js'

const defaultsText = SLA_PRIORITIES
  .map((p) => {
    const level = DEFAULT_SERVICE_LEVELS[p]
    return `${p} ${level.firstResponseMinutes} / ${level.resolutionMinutes}`
  })
  .join(', ')

const rules =
  'A case\'s `firstResponseDueAt` and `resolutionDueAt` are its `createdAt` plus these minutes ' +
  'for its priority, taken from the policy in force when the case is opened; a new priority ' +
  'recomputes them from `createdAt` with the policy in force at that change. Changing a policy ' +
  'does not move the due times of existing cases. ' +
  `Defaults, first response / resolution in minutes: ${defaultsText}.`

export async function caseSlaRoutes (app: FastifyInstance) {
  app.addSchema(CaseSlaPolicySchema)

  app.get('/v1/case-sla-policies', {
    config: { permission: { resource: 'cases', action: 'read' } },
    schema: {
      tags: ['Cases'],
      operationId: 'getCaseSlaPolicies',
      summary: 'Get the service levels of case priorities',
      description: 'The first-response and resolution times of every priority, urgent first; ' +
        '`isDefault` marks a priority the workspace has not set. Every role reads them. ' + rules,
      security: [{ bearerAuth: [] }],
      querystring: Type.Object({}, { additionalProperties: false }),
      response: {
        200: jsonResponse('The service level of every priority', CaseSlaPolicyListSchema),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => ({ data: await listSlaPolicies(app.deps.db, request.tenant.workspaceId) }))

  app.put('/v1/case-sla-policies', {
    config: { permission: { resource: 'workspace', action: 'write' } },
    schema: {
      tags: ['Cases'],
      operationId: 'replaceCaseSlaPolicies',
      summary: 'Replace the service levels of case priorities',
      description: 'Admins only. Sets the workspace\'s service levels as a whole, in one ' +
        'transaction: each listed priority takes the given minutes (1 to ' +
        `${MAX_SLA_MINUTES}), and each priority left out goes back to the default ` +
        '(an empty list restores every default). A priority listed twice, or a ' +
        '`resolutionMinutes` below its `firstResponseMinutes`, answers 422 ' +
        '(CRM_CASE_SLA_POLICY_INVALID) naming each entry, and nothing changes. ' +
        'Answers the policies as they now apply. ' + rules,
      security: [{ bearerAuth: [] }],
      body: ReplaceCaseSlaPoliciesBodySchema,
      response: {
        200: jsonResponse(
          'The service level of every priority, as now in force', CaseSlaPolicyListSchema
        ),
        ...problemResponses(400, 401, 403, 413, 415, 422)
      }
    }
  }, async (request) => {
    const body = request.body as ReplaceCaseSlaPoliciesBody
    return { data: await replaceSlaPolicies(app.deps.db, request.tenant, body) }
  })
}
