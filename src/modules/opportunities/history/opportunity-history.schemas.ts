import { Type, type Static } from 'typebox'
import {
  DateSchema,
  MoneySchema,
  Nullable,
  StringEnum,
  TimestampSchema,
  UuidSchema
} from '../../../lib/schemas.js'

/** The fields of an opportunity whose every change is kept. */
export const TRACKED_FIELDS = ['stage', 'amount', 'probability', 'closeDate'] as const
export type TrackedField = (typeof TRACKED_FIELDS)[number]

const StageKeySchema = Type.String({ description: 'a stage key', examples: ['proposal'] })
const ProbabilitySchema = Type.Integer({ minimum: 0, maximum: 100, examples: [50] })

export const OpportunityHistoryEntrySchema = Type.Object(
  {
    id: UuidSchema,
    opportunityId: UuidSchema,
    changedAt: TimestampSchema,
    changedById: Nullable(Type.String({
      ...UuidSchema,
      description: 'the user whose credential made the change (for an API key, its creator)'
    })),
    changedFields: Type.Array(StringEnum(TRACKED_FIELDS), {
      description: 'which of stage, amount, probability and closeDate this write changed; ' +
        'all four for the creation of the opportunity'
    }),
    stage: Type.String({ ...StageKeySchema, description: 'the stage after the write' }),
    amount: Nullable(Type.String({ ...MoneySchema, description: 'the amount after the write' })),
    probability: Type.Integer({ ...ProbabilitySchema, description: 'the probability after the write' }),
    closeDate: Nullable(Type.String({ ...DateSchema, description: 'the close date after the write' })),
    previousStage: Nullable(Type.String({
      ...StageKeySchema,
      description: 'the stage before the write; null for the creation'
    })),
    previousAmount: Nullable(Type.String({
      ...MoneySchema,
      description: 'the amount before the write; null for the creation or when it was empty'
    })),
    previousProbability: Nullable(Type.Integer({
      ...ProbabilitySchema,
      description: 'the probability before the write; null for the creation'
    })),
    previousCloseDate: Nullable(Type.String({
      ...DateSchema,
      description: 'the close date before the write; null for the creation or when it was empty'
    }))
  },
  {
    $id: 'OpportunityHistoryEntry',
    description: 'One write that changed an opportunity\'s stage, amount, probability or close date ' +
      '(or created it): the four values after it, the values before it and which of them changed.',
    additionalProperties: false,
    examples: [{
      id: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
      opportunityId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      changedAt: '2026-12-03T10:20:30.123Z',
      changedById: '0b5c6f7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f',
      changedFields: ['stage', 'probability'],
      stage: 'negotiation',
      amount: '12000.00',
      probability: 80,
      closeDate: '2026-12-31',
      previousStage: 'proposal',
      previousAmount: '12000.00',
      previousProbability: 50,
      previousCloseDate: '2026-12-31'
    }]
  }
)

export type OpportunityHistoryEntry = Static<typeof OpportunityHistoryEntrySchema>
