import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import {
  CurrencySchema,
  DateSchema,
  EmailSchema,
  MoneySchema,
  StringEnum,
  Text,
  UuidSchema
} from '../../lib/schemas.js'

export const CAMPAIGN_TYPES = [
  'email', 'newsletter', 'blog', 'advertisement', 'social', 'web', 'event', 'webinar',
  'direct_mail', 'telemarketing', 'other'
] as const

export const CAMPAIGN_STATUSES = ['planned', 'active', 'paused', 'completed', 'aborted'] as const

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
  textBody: 'Hello {{firstName}},\n\nOur new line is here.'
}

export const campaignSchemas = resourceSchemas(
  'Campaign',
  'A marketing effort that reaches accounts, contacts and leads',
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
      textBody: Text(MAX_BODY_LENGTH, { description: 'plain-text email; may hold merge fields' })
    }
  },
  {
    record: {
      id: '2b7d9e4f-1c3a-4b5d-8e6f-0a1b2c3d4e5f',
      ...example,
      actualCost: null,
      parentCampaignId: null,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
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
