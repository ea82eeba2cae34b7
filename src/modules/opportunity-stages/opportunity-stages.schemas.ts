import { Type, type Static } from 'typebox'
import { Text, TimestampSchema, UuidSchema, VersionSchema } from '../../lib/schemas.js'

/** A step of the workspace's sales pipeline. */
export const OpportunityStageSchema = Type.Object(
  {
    id: UuidSchema,
    key: Text(100, {
      description: 'what an opportunity\'s `stage` holds; unique in the workspace',
      examples: ['proposal']
    }),
    label: Text(200, { description: 'the name shown to users', examples: ['Proposal'] }),
    position: Type.Integer({ minimum: 0, description: 'order in the pipeline, ascending' }),
    probability: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: 'the probability an opportunity takes when it enters the stage'
    }),
    isClosed: Type.Boolean({ description: 'an opportunity in this stage is closed' }),
    isWon: Type.Boolean({ description: 'closed and won; only meaningful with isClosed' }),
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

export type OpportunityStage = Static<typeof OpportunityStageSchema>
