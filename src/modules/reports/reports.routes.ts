import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../lib/http/responses.js'
import { getCasesReport } from './cases-report.queries.js'
import {
  type CasesReportQuery,
  CasesReportQuerySchema,
  CasesReportSchema
} from './cases-report.schemas.js'
import { getLeadsReport } from './leads-report.queries.js'
import {
  type LeadsReportQuery,
  LeadsReportQuerySchema,
  LeadsReportSchema
} from './leads-report.schemas.js'
import { getPipelineReport } from './pipeline-report.queries.js'
import {
  type PipelineReportQuery,
  PipelineReportQuerySchema,
  PipelineReportSchema
} from './pipeline-report.schemas.js'

const read = { permission: { resource: 'reports', action: 'read' as const } }

const common = {
  tags: ['Reports'],
  security: [{ bearerAuth: [] }]
}

const SCOPE = 'Counts the live (not deleted) records of the caller\'s workspace only, in one aggregate ' +
  'query, so every number comes from the same moment. Filters combine with AND; a list filter ' +
  '(comma-separated values) matches any of its values. '

const PIPELINE = SCOPE +
  'Only opportunities in `currency` (default: the workspace currency) count; ' +
  '`otherCurrencyOpportunities` says how many matched the other filters in another currency and were ' +
  'left out. `closeDateFrom` and `closeDateTo` are inclusive and leave out opportunities without a ' +
  'close date; `includeClosed=false` leaves out opportunities in closed stages (won or lost). ' +
  '`count` counts opportunities, with or without an amount; `amount` sums their amounts, an empty ' +
  'amount adding 0; `weightedAmount` sums their `expectedRevenue` as each record shows it ' +
  '(amount × probability / 100, rounded half up to cents per opportunity), so it equals adding up ' +
  'the records. Sums are exact decimal strings with two places. `byStage` lists every stage of the ' +
  'workspace in pipeline order (position, then key), empty ones with zeros; `byOwner` and ' +
  '`byCloseMonth` list only groups that have opportunities, `null` standing for no owner and no close ' +
  'date. `byOwner` and `byCloseMonth` add up to `totals`, and so does `byStage` while no ' +
  'opportunity sits in a deleted stage (such opportunities count in every number but `byStage`).'

const LEADS = SCOPE +
  '`createdAtFrom` and `createdAtTo` are inclusive. `total` counts the matching leads, `byStatus` ' +
  'counts them per status (every status present, zeros included) and `converted` is the number with ' +
  'status converted. A conversion rate is converted / total, a decimal string rounded half up to four ' +
  'places (`0.2500` is 25 %), and null when there are no leads. `bySource` lists each source that has ' +
  'leads (null: none given), most leads first. `averageScore` is the mean score of the scored leads, ' +
  'rounded half up to two places, or null when none is scored.'

const CASES = SCOPE +
  '`createdAtFrom` and `createdAtTo` are inclusive. A case is open unless its status is resolved, ' +
  'closed, rejected or duplicate (`isClosed`). "Now" is one instant, the time of the query. ' +
  '`open` counts open cases, in total, per priority and per open status (every key present). ' +
  '`slaBreaches.firstResponse` counts cases, open or closed, whose first response came after ' +
  '`firstResponseDueAt`, or that have none and are past it now. `slaBreaches.resolution` counts ' +
  'closed cases that were closed (`closedAt`, else `resolvedAt`) after `resolutionDueAt`, and open ' +
  'cases past it now. `slaBreaches.openOverdue` counts open cases overdue now, exactly the cases whose ' +
  '`isOverdue` is true. `resolved` covers the cases with a `resolvedAt`: how many, and the median ' +
  '(percentile_cont(0.5)) and mean of `resolvedAt − createdAt` in seconds, null when there are none.'

export async function reportsRoutes (app: FastifyInstance) {
  app.addSchema(PipelineReportSchema)
  app.addSchema(LeadsReportSchema)
  app.addSchema(CasesReportSchema)
  const problems = problemResponses(400, 401, 403)

  app.get('/v1/reports/pipeline', {
    config: read,
    schema: {
      ...common,
      operationId: 'getPipelineReport',
      summary: 'Report on the pipeline',
      description: PIPELINE,
      querystring: PipelineReportQuerySchema,
      response: {
        200: jsonResponse('The pipeline report', Type.Unsafe(Type.Ref('PipelineReport'))),
        ...problems
      }
    }
  }, async (request) => {
    const query = request.query as PipelineReportQuery
    return getPipelineReport(app.deps.db, request.tenant.workspaceId, query)
  })

  app.get('/v1/reports/leads', {
    config: read,
    schema: {
      ...common,
      operationId: 'getLeadsReport',
      summary: 'Report on leads',
      description: LEADS,
      querystring: LeadsReportQuerySchema,
      response: {
        200: jsonResponse('The leads report', Type.Unsafe(Type.Ref('LeadsReport'))),
        ...problems
      }
    }
  }, async (request) => {
    const query = request.query as LeadsReportQuery
    return getLeadsReport(app.deps.db, request.tenant.workspaceId, query)
  })

  app.get('/v1/reports/cases', {
    config: read,
    schema: {
      ...common,
      operationId: 'getCasesReport',
      summary: 'Report on cases',
      description: CASES,
      querystring: CasesReportQuerySchema,
      response: {
        200: jsonResponse('The cases report', Type.Unsafe(Type.Ref('CasesReport'))),
        ...problems
      }
    }
  }, async (request) => {
    const query = request.query as CasesReportQuery
    return getCasesReport(app.deps.db, request.tenant.workspaceId, query)
  })
}
