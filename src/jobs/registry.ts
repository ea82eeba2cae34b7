import type { TSchema } from 'typebox'
import type { Logger } from 'pino'
import type { AppDeps } from '../deps.js'
import { campaignJobs } from '../modules/campaigns/sends/campaign-sends.jobs.js'
import { importJobs } from '../modules/imports/imports.jobs.js'
import { importScheduleJobs } from '../modules/import-schedules/import-schedules.jobs.js'
import { leadScoringJobs } from '../modules/lead-scoring/lead-scoring.jobs.js'
import { outboxJobs } from '../modules/jobs/jobs.maintenance.js'
import { purgeIdempotencyKeys } from './maintenance.jobs.js'
import type { QueueName } from './queues.js'

export interface JobContext {
  deps: AppDeps
  log: Logger
  attempt: number
  /** The BullMQ job id; for a job a route started, also the id of its `jobs` row. */
  jobId: string
  /** Aborted when the worker shuts down: stop between batches and throw `ShutdownError`. */
  signal: AbortSignal
  /** Records progress on the job's row (throttled) and in BullMQ. */
  progress: (progress: Record<string, unknown>) => Promise<void>
}

/**
 * A job: its name (`<resource>.<verb>`), queue, payload schema (checked
 * before processing; a bad payload fails without retries) and processor.
 * A `schedule` makes it a repeatable job scheduler: every N ms, or a cron
 * pattern in a time zone.
 */
export interface JobDefinition {
  name: string
  queue: QueueName
  payload: TSchema
  schedule?: { id: string, every: number } | { id: string, pattern: string, tz?: string }
  process: (payload: unknown, ctx: JobContext) => Promise<unknown>
  /**
   * Called once BullMQ gave the job up without its processor knowing (its
   * worker died more often than the stall limit allows), after the job's
   * row was closed as failed: closes whatever else the processor keeps the
   * state of. It must not throw for a record that is gone.
   */
  abandoned?: (payload: unknown, ctx: AbandonedContext) => Promise<void>
}

export interface AbandonedContext {
  deps: AppDeps
  log: Logger
  jobId: string
  /** Why BullMQ gave it up, as the row now says. */
  error: string
}

export const JOBS: readonly JobDefinition[] = [
  purgeIdempotencyKeys,
  ...outboxJobs,
  ...campaignJobs,
  ...leadScoringJobs,
  ...importJobs,
  ...importScheduleJobs
]
