import { Type, type Static } from 'typebox'
import { Text, TimestampSchema, UuidSchema, VersionSchema } from '../../../lib/schemas.js'

const body = () => Text(32000, {
  description: 'the text of the comment',
  examples: ['We raised the export timeout; please try the export again.']
})
const isPublic = (extra: string) => Type.Boolean({
  description: `true: visible to the customer; false: an internal note${extra}`
})

/** A comment on a case, public (the customer sees it) or internal. */
export const CaseCommentSchema = Type.Object(
  {
    id: UuidSchema,
    caseId: UuidSchema,
    body: body(),
    isPublic: isPublic(''),
    authorId: Type.String({
      format: 'uuid',
      description: 'the user who wrote the comment (for an API key, the user who made the key)',
      examples: ['9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d']
    }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'CaseComment',
    description: 'A comment on a case; the first public one records the case\'s firstResponseAt',
    additionalProperties: false,
    examples: [{
      id: '2b7e9c4d-1a3f-4e5b-9c8d-7f6e5d4c3b2a',
      caseId: '7c2e4b1a-9d3f-4e8a-b5c6-1f2a3b4c5d6e',
      body: 'We raised the export timeout; please try the export again.',
      isPublic: true,
      authorId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      createdAt: '2026-12-03T11:02:10.456Z',
      updatedAt: '2026-12-03T11:02:10.456Z',
      version: 1
    }]
  }
)

export const CreateCaseCommentBodySchema = Type.Object(
  {
    body: body(),
    isPublic: Type.Optional(isPublic('; defaults to false'))
  },
  {
    additionalProperties: false,
    examples: [{
      body: 'We raised the export timeout; please try the export again.',
      isPublic: true
    }]
  }
)

export const UpdateCaseCommentBodySchema = Type.Object(
  {
    body: Type.Optional(body()),
    isPublic: Type.Optional(isPublic(''))
  },
  { additionalProperties: false, examples: [{ body: 'Corrected: the timeout is now 5 minutes.' }] }
)

export type CaseComment = Static<typeof CaseCommentSchema>
export type CreateCaseCommentBody = Static<typeof CreateCaseCommentBodySchema>
export type UpdateCaseCommentBody = Static<typeof UpdateCaseCommentBodySchema>
