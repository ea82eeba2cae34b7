import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  jsonResponse,
  problemResponses
} from '../../../lib/http/responses.js'
import { etag } from '../../../lib/resource/resource.service.js'
import { acceptedJobResponse, replyAccepted } from '../../jobs/jobs.accepted.js'
import { campaignResource } from '../campaigns.resource.js'
import { MERGE_FIELD_RULES } from '../message/campaign-message.fields.js'
import type { CampaignRow } from './campaign-sends.campaign.js'
import { SENDABLE_RULES } from './campaign-sends.message.js'
import {
  CampaignParamsSchema,
  CampaignTestSendSchema,
  type SendCampaignBody,
  SendCampaignBodySchema,
  type TestSendBody,
  TestSendBodySchema
} from './campaign-sends.schemas.js'
import { pauseSend, resumeSend, startSend } from './campaign-sends.service.js'
import { TEST_SUBJECT_PREFIX, TEST_UNSUBSCRIBE_URL, testSend } from './campaign-sends.test-send.js'

const WRITE = { permission: { resource: 'campaigns', action: 'write' as const } }
const TAGS = ['Campaigns']
const SECURITY = [{ bearerAuth: [] }]
const CampaignRef = Type.Unsafe(Type.Ref('Campaign'))

const ELIGIBILITY = 'One message goes to each eligible member: a live member whose lead or ' +
  'contact is live, has not opted out of email (`emailOptOut`) and has a plausible address, ' +
  'and whose membership is not unsubscribed or bounced. Members sharing an address (compared ' +
  'ignoring case and surrounding blanks) get one message, the earliest added. The others are ' +
  'counted in the campaign\'s `sendSkipped` and the job\'s `skipped`: `optedOut`, `invalid`, ' +
  '`duplicate`. Someone who opts out while the send runs is not emailed either ' +
  '(`optedOutLater` in the job). Members added after the send was recorded are not part of it.'

const DELIVERY = 'Workers claim the messages before they send them, so two workers never send ' +
  'the same one, and a message recorded as sent is never sent again; a worker that dies ' +
  'leaves its claimed messages to be taken over after SEND_CLAIM_LEASE_MS (at most those may ' +
  'arrive twice). Each message carries From (`fromName`, `fromEmail`) and Reply-To ' +
  '(`replyTo`) of the campaign, a Message-ID fixed per campaign and recipient ' +
  '(`<campaignId.sendId@from-domain>`: a copy sent again has the same id), a List-Unsubscribe ' +
  'header, an open pixel and tracked links. The campaign\'s `sendRatePerSecond` (or ' +
  'SEND_RATE_PER_SECOND) caps messages per second over every worker together. A 5xx reply ' +
  'bounces the message (the member becomes bounced); a 4xx reply or a connection failure is ' +
  'retried after SEND_RETRY_DELAY_MS, doubling, until SEND_MAX_ATTEMPTS, then the message ' +
  'fails (the member becomes failed); a delivered message makes the member sent. With no ' +
  'SMTP_URL, messages are written as .eml files under DATA_DIR/mail/ instead. When every ' +
  'message is settled the campaign\'s `sendStatus` becomes sent, with `sendFinishedAt`. The ' +
  'job\'s progress and result: `total` messages, `pending`, `sent`, `bounced`, `failed`, ' +
  '`optedOutLater` and `skipped`; the result adds `outcome` (sent, paused or stopped).'

function sendCampaignRecord (reply: FastifyReply, row: CampaignRow) {
  reply.header('etag', etag(row.version))
  return campaignResource.toDto(row as Parameters<typeof campaignResource.toDto>[0])
}

const campaignId = (request: FastifyRequest) =>
  (request.params as { campaignId: string }).campaignId

export async function campaignSendsRoutes (app: FastifyInstance) {
  app.addSchema(CampaignTestSendSchema)
  const base = '/v1/campaigns/:campaignId'

  app.post(`${base}/send`, {
    config: { ...WRITE, idempotent: true },
    // The body is optional: no body is the same as {}.
    preValidation: async (request) => { request.body ??= {} },
    schema: {
      tags: TAGS,
      operationId: 'sendCampaign',
      summary: 'Send a campaign\'s email',
      description: 'Starts the delivery of the campaign\'s message to its members, now or at ' +
        '`sendAt`, and answers 202 with the job (`Location: /v1/jobs/{jobId}`; GET it for ' +
        'progress). The body may be left out (the same as `{}`). In one transaction the ' +
        'campaign becomes `sendStatus` sending (or ' +
        'scheduled, for a future `sendAt`), every eligible member gets a send row and the job ' +
        'is recorded; the job is queued after the commit. ' + ELIGIBILITY + ' ' + SENDABLE_RULES +
        ' A campaign is sent once: one that is scheduled, sending, paused or sent answers 409 ' +
        '`CRM_CAMPAIGN_SEND_STATE`. A retry with the same Idempotency-Key replays the first ' +
        'answer. ' + DELIVERY,
      security: SECURITY,
      params: CampaignParamsSchema,
      headers: IdempotencyHeaders,
      body: SendCampaignBodySchema,
      response: {
        202: acceptedJobResponse('The send is recorded; its job delivers it'),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const body = request.body as SendCampaignBody
    const sendAt = body.sendAt === undefined ? null : new Date(body.sendAt)
    const job = await startSend(app.deps, request.tenant, campaignId(request), sendAt)
    return replyAccepted(reply, job)
  })

  app.post(`${base}/send/pause`, {
    config: WRITE,
    schema: {
      tags: TAGS,
      operationId: 'pauseCampaignSend',
      summary: 'Pause a campaign\'s send',
      description: 'Pauses a scheduled or running send: `sendStatus` becomes paused at once, and ' +
        'workers stop after the batch in hand (about two seconds of messages at the campaign\'s ' +
        'rate, at least ten messages); the ' +
        'running job then succeeds with `outcome` paused. Nothing is lost: POST ' +
        '.../send/resume continues with the messages not yet sent. Pausing a paused send ' +
        'changes nothing; a campaign never sent, or sent, answers 409 ' +
        '`CRM_CAMPAIGN_SEND_STATE`. Answers the campaign.',
      security: SECURITY,
      params: CampaignParamsSchema,
      response: {
        200: jsonResponse('The campaign, paused', CampaignRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 409)
      }
    }
  }, async (request, reply) => {
    const row = await pauseSend(app.deps, request.tenant, campaignId(request))
    return sendCampaignRecord(reply, row)
  })

  app.post(`${base}/send/resume`, {
    config: { ...WRITE, idempotent: true },
    schema: {
      tags: TAGS,
      operationId: 'resumeCampaignSend',
      summary: 'Resume a campaign\'s send',
      description: 'Continues a paused send with a new job and answers 202 with it ' +
        '(`Location: /v1/jobs/{jobId}`): `sendStatus` becomes sending, or scheduled again when ' +
        '`sendAt` is still ahead. Only the messages not yet settled are sent. It also restarts ' +
        'a send that is under way but whose job ended (failed after its attempts). Any other ' +
        'state answers 409 `CRM_CAMPAIGN_SEND_STATE`. A retry with the same Idempotency-Key ' +
        'replays the first answer.',
      security: SECURITY,
      params: CampaignParamsSchema,
      headers: IdempotencyHeaders,
      response: {
        202: acceptedJobResponse('The send continues; its new job delivers the rest'),
        ...problemResponses(400, 401, 403, 404, 409)
      }
    }
  }, async (request, reply) => {
    const job = await resumeSend(app.deps, request.tenant, campaignId(request))
    return replyAccepted(reply, job)
  })

  app.post(`${base}/test-send`, {
    config: { ...WRITE, idempotent: true },
    schema: {
      tags: TAGS,
      operationId: 'testSendCampaign',
      summary: 'Send a test copy of a campaign\'s email',
      description: 'Renders the campaign\'s message once and sends it to `to` now, within the ' +
        'request, through the configured transport (SMTP_URL; without it, an .eml file under ' +
        'DATA_DIR/mail/), then answers 200. The values are those of the member `memberId` ' +
        '(404 when it is not a member of this campaign) or samples (Ada Lovelace of ' +
        'Analytical Engines Ltd). The subject starts with ' +
        `\`${TEST_SUBJECT_PREFIX.trim()}\`; the copy has no open pixel and no tracked links, and ` +
        `\`{{unsubscribeUrl}}\` renders as \`${TEST_UNSUBSCRIBE_URL}\`, so nothing about the ` +
        'campaign or its members changes. Works in any send state. ' + SENDABLE_RULES +
        ' A mail server that refuses the copy or cannot be reached answers 502 ' +
        '`CRM_CAMPAIGN_TEST_SEND_FAILED`. ' + MERGE_FIELD_RULES,
      security: SECURITY,
      params: CampaignParamsSchema,
      headers: IdempotencyHeaders,
      body: TestSendBodySchema,
      response: {
        200: jsonResponse('The test copy was accepted', Type.Unsafe(Type.Ref('CampaignTestSend'))),
        ...problemResponses(400, 401, 403, 404, 413, 415, 422, 502)
      }
    }
  }, async (request) => {
    return testSend(app.deps, request.tenant, campaignId(request), request.body as TestSendBody)
  })
}
