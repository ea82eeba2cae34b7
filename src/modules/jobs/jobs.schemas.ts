import { Type, type Static } from 'typebox'
import { TimestampSchema, UuidSchema } from '../../lib/schemas.js'
import type { JobRow } from './jobs.outbox.js'

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const

export const JobSchema = Type.Object(
  {
    id: UuidSchema,
    type: Type.String({ description: 'what the job does: campaign.send, leads.rescore, import.run, …' }),
    status: Type.Enum(JOB_STATUSES, {
      description: 'queued (also between retries), running, succeeded or failed (after its last attempt)'
    }),
    progress: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'counters the job reports as it goes; their names depend on `type`'
    }),
    result: Type.Unknown({ description: 'what the job answered once it succeeded (an object), else null' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'why the last attempt failed' }),
    attempts: Type.Integer({ minimum: 0, description: 'attempts started so far' }),
    runAt: Type.Union([TimestampSchema, Type.Null()], { description: 'not started before this instant' }),
    createdAt: TimestampSchema,
    startedAt: Type.Union([TimestampSchema, Type.Null()]),
    finishedAt: Type.Union([TimestampSchema, Type.Null()])
  },
  {
    $id: 'Job',
    additionalProperties: false,
    description: 'Work that takes longer than a request. Kept for 30 days after it finishes.',
    examples: [{
      id: '6f1c2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
      type: 'campaign.send',
      status: 'running',
      progress: { total: 1200, sent: 480, failed: 2 },
      result: null,
      error: null,
      attempts: 1,
      runAt: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      startedAt: '2026-12-03T10:20:30.456Z',
      finishedAt: null
    }]
  }
)
export type JobDto = Static<typeof JobSchema>

export const JobRefSchema = Type.Ref('Job')

export function toJobDto (row: JobRow): JobDto {
  return {
    id: row.id,
    type: row.name,
    status: row.status as JobDto['status'],
    progress: (row.progress as Record<string, unknown> | null) ?? null,
    result: row.result ?? null,
    error: row.error,
    attempts: row.attempts,
    runAt: row.runAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null
  }
}
