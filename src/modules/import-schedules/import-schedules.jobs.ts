import { Type } from 'typebox'
import type { JobDefinition } from '../../jobs/registry.js'
import { type RunPayload, RunPayloadSchema } from './import-schedules.payload.js'
import { runImportSchedule } from './import-schedules.run.js'
import { reconcileSchedulers, RUN_JOB_NAME } from './import-schedules.scheduler.js'

/** One run of a schedule; produced by its job scheduler, or by POST /v1/import-schedules/{id}/run. */
// TODO(#4): a run the scheduler starts has no `jobs` record, so its result
// (and a failed download) shows only in BullMQ and the worker log, not
// through the API; the schedule would need last-run outcome columns.
const runSchedule: JobDefinition = {
  name: RUN_JOB_NAME,
  queue: 'imports',
  payload: RunPayloadSchema,
  process: (payload, ctx) => runImportSchedule(payload as RunPayload, ctx)
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
