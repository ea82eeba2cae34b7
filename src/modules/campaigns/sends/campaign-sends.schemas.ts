import { Type, type Static } from 'typebox'
import { EmailSchema, TimestampSchema, UuidSchema } from '../../../lib/schemas.js'

export const CampaignParamsSchema = Type.Object(
  { campaignId: UuidSchema },
  { additionalProperties: false }
)

export const SendCampaignBodySchema = Type.Object(
  {
    sendAt: Type.Optional(Type.String({
      ...TimestampSchema,
      description: 'start at this instant; absent or past: now',
      examples: ['2027-03-01T08:00:00.000Z']
    }))
  },
  { additionalProperties: false, examples: [{ sendAt: '2027-03-01T08:00:00.000Z' }, {}] }
)
export type SendCampaignBody = Static<typeof SendCampaignBodySchema>

export const TestSendBodySchema = Type.Object(
  {
    to: Type.String({ ...EmailSchema, description: 'where the test copy goes' }),
    memberId: Type.Optional(Type.String({
      ...UuidSchema,
      description: 'render with this member\'s values; absent: sample values'
    }))
  },
  { additionalProperties: false, examples: [{ to: 'marketing-review@acme.example' }] }
)
export type TestSendBody = Static<typeof TestSendBodySchema>

export const CampaignTestSendSchema = Type.Object(
  {
    to: EmailSchema,
    subject: Type.String({ description: 'the rendered subject, with its [Test] prefix' }),
    messageId: Type.String({ description: 'Message-ID of the copy, angle brackets included' }),
    transport: Type.Enum(['smtp', 'eml'], {
      description: 'smtp: handed to SMTP_URL; eml: written under DATA_DIR/mail/ (no SMTP_URL)'
    })
  },
  {
    $id: 'CampaignTestSend',
    additionalProperties: false,
    description: 'A test copy of a campaign\'s message, accepted by the mail server',
    examples: [{
      to: 'marketing-review@acme.example',
      subject: '[Test] Meet the new Acme line, Ada',
      messageId: '<test.2b7d9e4f-1c3a-4b5d-8e6f-0a1b2c3d4e5f.9c1d2e3f@acme.example>',
      transport: 'smtp'
    }]
  }
)
