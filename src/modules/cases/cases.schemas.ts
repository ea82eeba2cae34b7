import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import { Nullable, StringEnum, Text, TimestampSchema, UuidSchema } from '../../lib/schemas.js'

export const CASE_STATUSES = [
  'new', 'assigned', 'in_progress', 'pending_customer', 'escalated',
  'resolved', 'closed', 'rejected', 'duplicate'
] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

/** The statuses of a case still being worked on. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = [
  'new', 'assigned', 'in_progress', 'pending_customer', 'escalated'
]

/**
 * The statuses that end work on a case. Only an open status (reopening) or,
 * from resolved, closed may follow them: see cases.workflow.ts.
 */
export const CLOSED_CASE_STATUSES: readonly CaseStatus[] = [
  'resolved', 'closed', 'rejected', 'duplicate'
]

export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export type CasePriority = (typeof CASE_PRIORITIES)[number]

export const CASE_TYPES = ['question', 'incident', 'problem', 'feature_request', 'other'] as const
export const CASE_ORIGINS = ['email', 'phone', 'web', 'chat', 'other'] as const

const example = {
  subject: 'Invoice export fails with a timeout',
  description: 'Exporting more than 500 invoices to CSV stops after 30 seconds.',
  priority: 'high',
  type: 'incident',
  origin: 'email',
  accountId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11',
  contactId: '5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
}

const timestamp = (description: string) => Type.String({ ...TimestampSchema, description })
const nullableTimestamp = (description: string) => Nullable(timestamp(description))

export const caseSchemas = resourceSchemas(
  'Case',
  'A support request, usually raised by a contact of an account',
  {
    required: { subject: Text(500, { examples: [example.subject] }) },
    defaulted: {
      status: StringEnum(CASE_STATUSES, {
        description: 'defaults to new. new, assigned, in_progress, pending_customer and ' +
          'escalated are open; resolved, closed, rejected and duplicate are closed. A case ' +
          'opens in an open status. From an open status any status may follow; from resolved ' +
          'only closed or an open status; from closed, rejected or duplicate only an open ' +
          'status. An open status after a closed one reopens the case. Resolving needs a ' +
          'resolution.'
      }),
      priority: StringEnum(CASE_PRIORITIES, {
        description: 'defaults to normal; sets firstResponseDueAt and resolutionDueAt from ' +
          'the workspace\'s service levels (GET /v1/case-sla-policies)'
      })
    },
    optional: {
      description: Text(32000),
      type: StringEnum(CASE_TYPES),
      origin: StringEnum(CASE_ORIGINS),
      accountId: UuidSchema,
      contactId: UuidSchema,
      productId: UuidSchema,
      ownerId: UuidSchema,
      resolution: Text(32000, { description: 'how the case was solved; required while resolved' })
    },
    computed: {
      number: Type.Integer({
        minimum: 1,
        description: 'readable number, 1, 2, 3 ... per workspace, assigned by the server',
        examples: [1042]
      }),
      isClosed: Type.Boolean({
        description: 'the status is resolved, closed, rejected or duplicate'
      }),
      isOverdue: Type.Boolean({
        description: 'open, and now past resolutionDueAt, or without a first response and now ' +
          'past firstResponseDueAt; evaluated when the answer is made, exactly as the ' +
          'isOverdue filter of the list'
      }),
      firstResponseAt: nullableTimestamp(
        'when the first public comment was made (or a comment first became public); ' +
          'it stays when that comment is later made internal or deleted'
      ),
      firstResponseDueAt: timestamp(
        'createdAt plus the first-response minutes of the priority in the workspace\'s policy'
      ),
      resolutionDueAt: timestamp(
        'createdAt plus the resolution minutes of the priority in the workspace\'s policy'
      ),
      resolvedAt: nullableTimestamp('when the case last became resolved; cleared on reopening'),
      closedAt: nullableTimestamp(
        'when the case entered the closed statuses (resolved then closed keeps the time of ' +
          'resolving); cleared on reopening'
      ),
      escalatedAt: nullableTimestamp('when the case last entered escalated; kept afterwards'),
      reopenedAt: nullableTimestamp(
        'when the case was last reopened (a closed status, then an open one)'
      ),
      reopenCount: Type.Integer({
        minimum: 0,
        description: 'how many times the case was reopened',
        examples: [1]
      })
    }
  },
  {
    record: {
      id: '7c2e4b1a-9d3f-4e8a-b5c6-1f2a3b4c5d6e',
      ...example,
      status: 'in_progress',
      productId: null,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      resolution: null,
      number: 1042,
      isClosed: false,
      isOverdue: false,
      firstResponseAt: '2026-12-03T11:02:10.456Z',
      firstResponseDueAt: '2026-12-03T14:20:30.123Z',
      resolutionDueAt: '2026-12-04T10:20:30.123Z',
      resolvedAt: null,
      closedAt: null,
      escalatedAt: null,
      reopenedAt: '2026-12-04T09:15:00.000Z',
      reopenCount: 1,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-04T09:15:00.000Z',
      version: 5
    },
    create: example,
    update: {
      status: 'resolved',
      resolution: 'Raised the export timeout; the export now completes.'
    }
  }
)

export type Case = Static<typeof caseSchemas.record>
export type CreateCaseBody = Static<typeof caseSchemas.create>
export type UpdateCaseBody = Static<typeof caseSchemas.update>
