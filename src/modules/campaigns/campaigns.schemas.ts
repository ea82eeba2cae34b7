import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import {
  CurrencySchema,
  DateSchema,
  EmailSchema,
  MoneySchema,
  Nullable,
  StringEnum,
  Text,
  TimestampSchema,
  UuidSchema
} from '../../lib/schemas.js'
import { MERGE_FIELD_RULES } from './message/campaign-message.fields.js'

export const CAMPAIGN_TYPES = [
  'email', 'newsletter', 'blog', 'advertisement', 'social', 'web', 'event', 'webinar',
  'direct_mail', 'telemarketing', 'other'
] as const

export const CAMPAIGN_STATUSES = ['planned', 'active', 'paused', 'completed', 'aborted'] as const

/** Where the email delivery of a campaign stands; null before it is first sent. */
export const SEND_STATUSES = ['scheduled', 'sending', 'paused', 'sent'] as const

/** Messages per second one campaign may send; SEND_RATE_PER_SECOND has the same bounds. */
export const MAX_SEND_RATE = 10_000

const SendSkippedSchema = Type.Object(
  {
    optedOut: Type.Integer({
      minimum: 0, description: 'the person opted out of email, was deleted or unsubscribed'
    }),
    invalid: Type.Integer({
      minimum: 0, description: 'no email, a malformed one, or a member that bounced before'
    }),
    duplicate: Type.Integer({
      minimum: 0, description: 'the same address (ignoring case) as an earlier member'
    })
  },
  { additionalProperties: false, description: 'members left out when the send was recorded' }
)

/**
 * Message bodies stay well under the 1 MiB JSON body limit, so a request
 * carrying both bodies and the other fields still fits.
 */
export const MAX_BODY_LENGTH = 200_000

const example = {
  name: 'Spring product launch',
  type: 'email',
  status: 'planned',
  startDate: '2027-03-01',
  endDate: '2027-03-31',
  budget: '15000.00',
  expectedRevenue: '120000.00',
  currency: 'EUR',
  description: 'Announces the new product line to existing customers.',
  subject: 'Meet the new Acme line, {{firstName}}',
  fromName: 'Acme Marketing',
  fromEmail: 'marketing@acme.example',
  replyTo: 'sales@acme.example',
  htmlBody: '<p>Hello {{firstName}},</p><p>Our new line is here.</p>',
  textBody: 'Hello {{firstName}},\n\nOur new line is here.',
  sendRatePerSecond: 20
}

export const campaignSchemas = resourceSchemas(
  'Campaign',
  'A marketing effort that reaches accounts, contacts and leads. An email campaign carries its ' +
    'message (`subject`, `fromName`, `fromEmail`, `replyTo`, `htmlBody`, `textBody`) and is sent ' +
    'with POST /v1/campaigns/{campaignId}/send; the `send*` fields follow that delivery. ' +
    MERGE_FIELD_RULES,
  {
    required: {
      name: Text(255, { examples: [example.name] }),
      type: StringEnum(CAMPAIGN_TYPES)
    },
    defaulted: {
      status: StringEnum(CAMPAIGN_STATUSES, { description: 'defaults to planned' }),
      currency: Type.String({
        ...CurrencySchema,
        description: 'ISO 4217 code; defaults to the workspace currency'
      })
    },
    optional: {
      startDate: DateSchema,
      endDate: Type.String({ ...DateSchema, description: 'YYYY-MM-DD, not before startDate' }),
      budget: MoneySchema,
      actualCost: MoneySchema,
      expectedRevenue: MoneySchema,
      parentCampaignId: UuidSchema,
      ownerId: UuidSchema,
      description: Text(32000),
      subject: Text(998, { description: 'subject line of the email; may hold merge fields' }),
      fromName: Text(255),
      fromEmail: EmailSchema,
      replyTo: EmailSchema,
      htmlBody: Text(MAX_BODY_LENGTH, { description: 'HTML of the email; may hold merge fields' }),
      textBody: Text(MAX_BODY_LENGTH, { description: 'plain-text email; may hold merge fields' }),
      sendRatePerSecond: Type.Integer({
        minimum: 1,
        maximum: MAX_SEND_RATE,
        description: 'messages per second this campaign sends at most, over every worker; ' +
          'null: the configured default (SEND_RATE_PER_SECOND). A change applies to a running send ' +
          'from its next batch.',
        examples: [20]
      })
    },
    computed: {
      sendStatus: Nullable(StringEnum(SEND_STATUSES, {
        description: 'null before the first send; scheduled (waiting for sendAt), sending, ' +
          'paused, sent (every message delivered, bounced or failed)'
      })),
      sendAt: Nullable(Type.String({
        ...TimestampSchema, description: 'when the send was asked to start'
      })),
      sendStartedAt: Nullable(Type.String({
        ...TimestampSchema, description: 'when a worker began sending'
      })),
      sendFinishedAt: Nullable(Type.String({
        ...TimestampSchema, description: 'when the last message was settled'
      })),
      sendSkipped: Nullable(SendSkippedSchema),
      sendJobId: Nullable(Type.String({
        ...UuidSchema, description: 'the latest send job: GET /v1/jobs/{jobId} for its progress'
      }))
    }
  },
  {
    record: {
      id: '2b7d9e4f-1c3a-4b5d-8e6f-0a1b2c3d4e5f',
      ...example,
      actualCost: null,
      parentCampaignId: null,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      sendStatus: 'sending',
      sendAt: '2027-03-01T08:00:00.000Z',
      sendStartedAt: '2027-03-01T08:00:01.250Z',
      sendFinishedAt: null,
      sendSkipped: { optedOut: 12, invalid: 3, duplicate: 1 },
      sendJobId: '6f1c2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { status: 'active', actualCost: '4200.50', endDate: null }
  }
)

export type Campaign = Static<typeof campaignSchemas.record>
export type CreateCampaignBody = Static<typeof campaignSchemas.create>
export type UpdateCampaignBody = Static<typeof campaignSchemas.update>
