import type { TSchema } from 'typebox'
import type { Logger } from 'pino'
import type { AppDeps } from '../deps.js'
import { purgeIdempotencyKeys } from './maintenance.jobs.js'
import type { QueueName } from './queues.js'

export interface JobContext {
  deps: AppDeps
  log: Logger
  attempt: number
}

/**
 * A job: its name (`<resource>.<verb>`), queue, payload schema (checked
 * before processing; a bad payload fails without retries) and processor.
 * A `schedule` makes it a repeatable job scheduler.
 */
export interface JobDefinition {
  name: string
  queue: QueueName
  payload: TSchema
  schedule?: { id: string, every: number }
  process: (payload: unknown, ctx: JobContext) => Promise<unknown>
}

export const JOBS: readonly JobDefinition[] = [purgeIdempotencyKeys]
