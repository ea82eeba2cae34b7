import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  problemResponses
} from '../../lib/http/responses.js'
import { ValidationError, withFieldErrors } from '../../lib/errors.js'
import { notFound } from '../../lib/resource/resource.errors.js'
import { etag } from '../../lib/resource/resource.service.js'
import { UuidSchema } from '../../lib/schemas.js'
import { acceptedJobResponse, replyAccepted } from '../jobs/jobs.accepted.js'
import { dispatchJobs } from '../jobs/jobs.outbox.js'
import { toJobDto } from '../jobs/jobs.schemas.js'
import { leadResource } from '../leads/leads.resource.js'
import {
  DEFAULT_RULES,
  DEFAULT_RULES_VERSION,
  MAX_FIT_RULES,
  MAX_HALF_LIFE_DAYS,
  MAX_POINTS,
  MAX_RULE_VALUES,
  RESCORE_CHUNK
} from './lead-scoring.defaults.js'
import { SCORE_DELAY_MS } from './lead-scoring.enqueue.js'
import { getLeadScoreRow, getScoringRules } from './lead-scoring.queries.js'
import { describeRule } from './lead-scoring.rules.js'
import {
  type LeadScore,
  LeadScoreSchema,
  LeadScoringRulesChangeSchema,
  LeadScoringRulesRefSchema,
  LeadScoringRulesSchema,
  type ReplaceScoringRulesBody,
  ReplaceScoringRulesBodySchema
} from './lead-scoring.schemas.js'
import { leadBreakdown, replaceScoringRules, startWorkspaceRescore } from './lead-scoring.service.js'
import './lead-scoring.listeners.js'

const SCORING =
  'Each matching fit rule adds its points (industry: one of the values, ignoring case; ' +
  'title_contains: any value appears in the title, ignoring case; source: one of the values; ' +
  'company_size: numberOfEmployees in [min, max]; estimated_amount: estimatedAmount in [min, max], ' +
  'exact decimals in the lead\'s own currency, not converted; email_domain: the email is, or is not, ' +
  'at a free-mail provider). A field that is empty matches no rule. Engagement counts each ' +
  'openedAt, clickedAt and respondedAt of the lead\'s live campaign memberships, each worth ' +
  'its points times 0.5^(age / halfLifeDays), rounded ' +
  'half up, where age is whole days from the event\'s UTC date to the UTC day the scoring job was ' +
  'asked for; a null halfLifeDays means no decay. Engagement adds at most maxPoints. The score is ' +
  'the sum clamped to 0..100. Deleted leads are not scored; converted leads keep the score they ' +
  'had when converted.'

const signed = (n: number) => (n < 0 ? `${n}` : `+${n}`)
const defaults = DEFAULT_RULES.engagement

const DEFAULTS =
  `A workspace that has set no rules uses the defaults (version ${DEFAULT_RULES_VERSION}): ` +
  DEFAULT_RULES.fit.map((r) => `${describeRule(r)} ${signed(r.points)}`).join('; ') +
  `; opens ${defaults.openedPoints}, clicks ${defaults.clickedPoints} and responses ` +
  `${defaults.respondedPoints} points each, half-life ${defaults.halfLifeDays} days, at most ` +
  `${defaults.maxPoints}.`

const WHEN =
  `A lead is scored about ${SCORE_DELAY_MS / 1000} s after it is created or one of the fields the ` +
  'rules look at changes, and after a campaign membership of it is added, removed, opened, clicked ' +
  'or responded; a burst of changes scores it once. Every lead is rescored after a rules change and ' +
  'every night (decay moves with the days).'

/** An action without a body: nothing, or `{}`. */
function assertNoBody (body: unknown) {
  const isEmpty = body === undefined || body === null ||
    (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)
  if (isEmpty) return
  throw withFieldErrors(new ValidationError('this action takes no body'), [
    { pointer: '', message: 'must be empty' }
  ])
}

export async function leadScoringRoutes (app: FastifyInstance) {
  app.addSchema(LeadScoringRulesSchema)
  app.addSchema(LeadScoringRulesChangeSchema)
  app.addSchema(LeadScoreSchema)

  app.get('/v1/lead-scoring/rules', {
    config: { permission: { resource: 'lead-scoring', action: 'read' } },
    schema: {
      tags: ['Lead scoring'],
      operationId: 'getLeadScoringRules',
      summary: 'Get the lead scoring rules',
      description: 'The rules the workspace scores its leads with; every role reads them. The ETag is ' +
        `the rules version. ${DEFAULTS} ${SCORING}`,
      security: [{ bearerAuth: [] }],
      querystring: Type.Object({}, { additionalProperties: false }),
      response: {
        200: jsonResponse('The rules in force', LeadScoringRulesRefSchema, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request, reply) => {
    const rules = await getScoringRules(app.deps.db, request.tenant.workspaceId)
    reply.header('etag', etag(rules.version))
    return rules
  })

  app.put('/v1/lead-scoring/rules', {
    config: { permission: { resource: 'lead-scoring', action: 'write' } },
    schema: {
      tags: ['Lead scoring'],
      operationId: 'replaceLeadScoringRules',
      summary: 'Replace the lead scoring rules',
      description: 'Admins, managers and marketing. Replaces the whole document and bumps its version, ' +
        'in one transaction that also records a `leads.rescore` job (in `rescoreJob`; follow it at ' +
        `GET /v1/jobs/{jobId}): every lead is rescored in set-based batches of ${RESCORE_CHUNK}, and ` +
        'until then GET /v1/leads/{leadId}/score says `stale`. A document equal to the stored one ' +
        'changes nothing and starts no job. At most ' +
        `${MAX_FIT_RULES} fit rules of at most ${MAX_RULE_VALUES} values each; points from ` +
        `-${MAX_POINTS} to ${MAX_POINTS}; halfLifeDays 1 to ${MAX_HALF_LIFE_DAYS}. A range with no ` +
        'bound, a min above its max, or a rule name used twice answers 422 ' +
        '(CRM_LEAD_SCORING_RULES_INVALID) naming each problem, and nothing changes. With If-Match, ' +
        `a stale ETag answers 412 (the defaults have ETag "${DEFAULT_RULES_VERSION}"). ${SCORING}`,
      security: [{ bearerAuth: [] }],
      headers: IfMatchHeaders,
      body: ReplaceScoringRulesBodySchema,
      response: {
        200: jsonResponse('The rules now in force and their rescore', Type.Ref('LeadScoringRulesChange'), {
          ETag: EtagHeader
        }),
        ...problemResponses(400, 401, 403, 412, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const body = request.body as ReplaceScoringRulesBody
    const ifMatch = request.headers['if-match']
    const outcome = await replaceScoringRules(app.deps, request.tenant, body, ifMatch)
    reply.header('etag', etag(outcome.rules.version))
    return {
      rules: outcome.rules,
      rescoreJob: outcome.rescoreJob === null ? null : toJobDto(outcome.rescoreJob)
    }
  })

  app.get('/v1/leads/:leadId/score', {
    config: { permission: { resource: 'leads', action: 'read' } },
    schema: {
      tags: ['Lead scoring'],
      operationId: 'getLeadScore',
      summary: 'Get a lead\'s score and its breakdown',
      description: 'The score, when and with which rules version it was computed, and the entries ' +
        'that produced it: each matching fit rule, then the engagement events by kind and, when ' +
        'engagement was capped, an `engagement_cap` entry with what was cut. The points of the ' +
        'entries add up to the score before it is clamped to 0..100. `stale` is true when the lead ' +
        'was never scored or was scored with older rules; the breakdown is always described with ' +
        'the rules of `rulesVersion`, the ones that produced the score, not those in force now. ' +
        'A converted lead answers the score it ' +
        `had; a deleted lead, or one of another workspace, answers 404. ${WHEN}`,
      security: [{ bearerAuth: [] }],
      params: Type.Object({ leadId: UuidSchema }, { additionalProperties: false }),
      response: {
        200: jsonResponse('The lead\'s score', Type.Ref('LeadScore')),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request): Promise<LeadScore> => {
    const { leadId } = request.params as { leadId: string }
    const workspaceId = request.tenant.workspaceId
    const row = await getLeadScoreRow(app.deps.db, workspaceId, leadId)
    if (row === undefined) throw notFound(leadResource, leadId)
    const current = await getScoringRules(app.deps.db, workspaceId)
    return {
      leadId: row.id,
      score: row.score,
      scoredAt: row.scoredAt?.toISOString() ?? null,
      rulesVersion: row.scoreRulesVersion,
      currentRulesVersion: current.version,
      stale: row.scoreRulesVersion === null || row.scoreRulesVersion < current.version,
      breakdown: await leadBreakdown(app.deps.db, workspaceId, row)
    }
  })

  app.post('/v1/leads/rescore', {
    config: {
      permission: { resource: 'lead-scoring', action: 'write' },
      idempotent: true
    },
    schema: {
      tags: ['Lead scoring'],
      operationId: 'rescoreLeads',
      summary: 'Rescore every lead',
      description: 'Admins, managers and marketing. Starts a `leads.rescore` job that scores every live, ' +
        'unconverted lead of the workspace with the rules in force, in set-based batches of ' +
        `${RESCORE_CHUNK} ` +
        'leads by id; its progress is `{ total, scored, chunks }`. Decay is counted to the day of this ' +
        'request, so a job that runs twice writes the same scores. Honours Idempotency-Key. No body ' +
        '(an empty JSON object is accepted; anything in it answers 400).',
      security: [{ bearerAuth: [] }],
      headers: IdempotencyHeaders,
      response: {
        202: acceptedJobResponse('The rescore job'),
        ...problemResponses(400, 401, 403, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    assertNoBody(request.body)
    const { workspaceId, userId } = request.tenant
    const job = await app.deps.db.transaction((tx) =>
      startWorkspaceRescore(tx, { workspaceId, reason: 'requested', createdBy: userId })
    )
    await dispatchJobs(app.deps, [job])
    return replyAccepted(reply, job)
  })
}
