import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import {
  CurrencySchema,
  DateSchema,
  MoneySchema,
  Nullable,
  StringEnum,
  Text,
  UuidSchema
} from '../../lib/schemas.js'
import { LeadSourceSchema } from '../leads/leads.schemas.js'

export const OPPORTUNITY_TYPES = ['new_business', 'existing_business', 'renewal'] as const

const example = {
  name: 'Acme GmbH: 120 seats',
  accountId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11',
  contactId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  stage: 'proposal',
  probability: 50,
  amount: '36000.00',
  currency: 'EUR',
  closeDate: '2027-03-31',
  type: 'new_business',
  source: 'web',
  nextStep: 'Send the revised quote to purchasing'
}

export const opportunitySchemas = resourceSchemas(
  'Opportunity',
  'A potential sale to an account, moving through the workspace\'s pipeline stages',
  {
    required: {
      name: Text(255, { examples: ['Acme GmbH: 120 seats'] }),
      accountId: UuidSchema
    },
    defaulted: {
      stage: Text(100, {
        description: 'a stage key of the workspace (GET /v1/opportunity-stages); default: the first open stage',
        examples: ['proposal']
      }),
      probability: Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'percent; defaults from the stage, and follows it when a change of stage gives none',
        examples: [50]
      }),
      currency: Type.String({
        ...CurrencySchema,
        description: 'ISO 4217 code; default: the workspace currency'
      })
    },
    optional: {
      contactId: Type.String({
        ...UuidSchema,
        description: 'the primary contact, mirrored by the primary contact role (/contacts)'
      }),
      amount: Type.String({
        ...MoneySchema,
        description: 'non-negative decimal amount, at most two fraction digits; while the opportunity ' +
          'has line items, their sum, and not writable (422)'
      }),
      closeDate: Type.String({
        ...DateSchema,
        description: 'expected or actual; set to today on closing when empty'
      }),
      type: StringEnum(OPPORTUNITY_TYPES),
      source: LeadSourceSchema,
      campaignId: UuidSchema,
      leadId: Type.String({ ...UuidSchema, description: 'the lead this opportunity came from' }),
      nextStep: Text(1000),
      lossReason: Text(2000, { description: 'required to move the opportunity to a closed, lost stage' }),
      ownerId: Type.String({ ...UuidSchema, description: 'an active user; default: the caller' }),
      description: Text(32000)
    },
    computed: {
      isClosed: Type.Boolean({ description: 'from the stage' }),
      isWon: Type.Boolean({ description: 'from the stage' }),
      expectedRevenue: Nullable(Type.String({
        ...MoneySchema,
        description: 'amount × probability / 100, rounded half up to cents; null without an amount',
        examples: ['18000.00']
      }))
    }
  },
  {
    record: {
      id: '0c4d2e6f-8a1b-4c3d-9e5f-7a8b9c0d1e2f',
      ...example,
      campaignId: null,
      leadId: null,
      lossReason: null,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      description: null,
      isClosed: false,
      isWon: false,
      expectedRevenue: '18000.00',
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { stage: 'closed_lost', lossReason: 'Chose a competitor on price' }
  }
)

export type Opportunity = Static<typeof opportunitySchemas.record>
export type CreateOpportunityBody = Static<typeof opportunitySchemas.create>
export type UpdateOpportunityBody = Static<typeof opportunitySchemas.update>
