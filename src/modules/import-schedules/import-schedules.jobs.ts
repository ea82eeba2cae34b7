import { Type } from 'typebox'
import type { JobDefinition } from '../../jobs/registry.js'
import { isRecordedJobId } from '../jobs/jobs.status.js'
import { startScheduledRun } from './import-schedules.enqueue.js'
import { markRunAbandoned } from './import-schedules.last-run.js'
import { type RunPayload, RunPayloadSchema } from './import-schedules.payload.js'
import { runImportSchedule } from './import-schedules.run.js'
import { reconcileSchedulers, RUN_JOB_NAME } from './import-schedules.scheduler.js'

/**
 * One run of a schedule. A job with the id of a `jobs` row is the run
 * itself (recorded by POST /v1/import-schedules/{id}/run, or by the
 * scheduler's job); a job with another id comes from the schedule's BullMQ
 * job scheduler, and records the run as a job of its own and hands it
 * over, so every run has a record the API shows, with its status kept by
 * the worker.
 */
const runSchedule: JobDefinition = {
  name: RUN_JOB_NAME,
  queue: 'imports',
  payload: RunPayloadSchema,
  process: (payload, ctx) => isRecordedJobId(ctx.jobId)
    ? runImportSchedule(payload as RunPayload, ctx)
    : startScheduledRun(payload as RunPayload, ctx),
  abandoned: async (payload, { deps, jobId, error }) => {
    const { workspaceId, scheduleId } = payload as RunPayload
    await markRunAbandoned(deps, { workspaceId, scheduleId, jobId }, error)
  }
}

/**
 * Makes Redis match the table every two minutes. A new scheduler's first
 * run is immediate, so after Redis lost its keys the first worker to start
 * reconciles at once.
 */
const reconcile: JobDefinition = {
  name: 'import-schedules.reconcile',
  queue: 'maintenance',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'import-schedules.reconcile', every: 120_000 },
  async process (_payload, { deps, log }) {
    const result = await reconcileSchedulers(deps)
    if (result.upserted > 0 || result.removed > 0) log.info(result, 'import schedulers reconciled')
    return result
  }
}

export const importScheduleJobs: readonly JobDefinition[] = [runSchedule, reconcile]
