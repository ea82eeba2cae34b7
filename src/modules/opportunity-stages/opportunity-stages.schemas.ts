import { Type, type Static } from 'typebox'
import { Text, TimestampSchema, UuidSchema, VersionSchema } from '../../lib/schemas.js'

/** A workspace holds at most this many stages, so its whole pipeline fits one page. */
export const MAX_STAGES = 200

const KeySchema = Text(100, {
  pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$',
  'x-pattern-message': 'must be lower snake_case: a-z, 0-9 and single underscores, starting with a letter',
  description: 'what an opportunity\'s `stage` holds: lower snake_case, unique in the workspace, ' +
    'set at creation and never changed',
  examples: ['discovery', 'demo_scheduled', 'contract_sent', 'on_hold']
})
const LabelSchema = Text(200, { description: 'the name shown to users', examples: ['Proposal'] })
const POSITION = 'order in the pipeline, ascending; stages with the same position are ordered by key'
const PositionSchema = Type.Integer({
  minimum: 0,
  maximum: 1_000_000,
  description: POSITION,
  examples: [3]
})
const ProbabilitySchema = Type.Integer({
  minimum: 0,
  maximum: 100,
  description: 'the probability (percent) an opportunity takes when it enters the stage',
  examples: [50]
})
const IS_CLOSED = 'an opportunity in this stage is closed'
const IS_WON = 'closed and won; true only together with isClosed'
const IsClosedSchema = Type.Boolean({ description: IS_CLOSED })
const IsWonSchema = Type.Boolean({ description: IS_WON })

/** A step of the workspace's sales pipeline. */
export const OpportunityStageSchema = Type.Object(
  {
    id: UuidSchema,
    key: Text(100, {
      description: 'what an opportunity\'s `stage` holds; unique in the workspace, never changed',
      examples: ['proposal']
    }),
    label: LabelSchema,
    position: Type.Integer({ minimum: 0, description: 'order in the pipeline, ascending' }),
    probability: ProbabilitySchema,
    isClosed: IsClosedSchema,
    isWon: IsWonSchema,
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'OpportunityStage',
    description: 'A stage of the sales pipeline. Code branches on `isClosed` and `isWon`, never on key or label.',
    additionalProperties: false,
    examples: [{
      id: '5e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b',
      key: 'proposal',
      label: 'Proposal',
      position: 3,
      probability: 50,
      isClosed: false,
      isWon: false,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    }]
  }
)

export const CreateOpportunityStageBodySchema = Type.Object(
  {
    key: KeySchema,
    label: LabelSchema,
    position: Type.Optional(Type.Integer({
      ...PositionSchema,
      description: `${POSITION}; default: after the last stage`
    })),
    probability: ProbabilitySchema,
    isClosed: Type.Optional(Type.Boolean({ description: `${IS_CLOSED}; default false` })),
    isWon: Type.Optional(Type.Boolean({ description: `${IS_WON}; default false` }))
  },
  {
    additionalProperties: false,
    examples: [{ key: 'discovery', label: 'Discovery', position: 2, probability: 15 }]
  }
)

/** Every field but the key, which opportunities refer to and so never changes. */
export const UpdateOpportunityStageBodySchema = Type.Object(
  {
    label: Type.Optional(LabelSchema),
    position: Type.Optional(PositionSchema),
    probability: Type.Optional(ProbabilitySchema),
    isClosed: Type.Optional(IsClosedSchema),
    isWon: Type.Optional(IsWonSchema)
  },
  {
    additionalProperties: false,
    examples: [{ label: 'Proposal sent', probability: 60 }]
  }
)

export const opportunityStageSchemas = {
  record: OpportunityStageSchema,
  create: CreateOpportunityStageBodySchema,
  update: UpdateOpportunityStageBodySchema
}

export type OpportunityStage = Static<typeof OpportunityStageSchema>
export type CreateOpportunityStageBody = Static<typeof CreateOpportunityStageBodySchema>
export type UpdateOpportunityStageBody = Static<typeof UpdateOpportunityStageBodySchema>
