import type { Executor } from '../../db/pool.js'
import type { JobContext } from '../../jobs/registry.js'
import { dispatchJobs, type JobRow, jobIdFor, recordJob } from '../jobs/jobs.outbox.js'
import type { RunPayload, RunTrigger } from './import-schedules.payload.js'
import { getImportSchedule } from './import-schedules.queries.js'
import { RUN_JOB_NAME, syncScheduler } from './import-schedules.scheduler.js'

/**
 * Every run of a schedule is a `jobs` row, so GET /v1/jobs/{id} shows it
 * and the worker keeps its status, as for any job a route started. A run
 * a user asks for is recorded by the route; a run the cron is due for is
 * recorded by the job its BullMQ job scheduler produces (whose id is
 * BullMQ's own, not a row's), which hands the run over and ends.
 */
export async function recordRun (
  tx: Executor,
  run: { workspaceId: string, scheduleId: string, trigger: RunTrigger, requestedBy: string | null, id?: string }
): Promise<JobRow> {
  const payload: RunPayload = {
    workspaceId: run.workspaceId,
    scheduleId: run.scheduleId,
    requestedBy: run.requestedBy,
    trigger: run.trigger
  }
  return recordJob(tx, {
    workspaceId: run.workspaceId,
    queue: 'imports',
    name: RUN_JOB_NAME,
    payload: { ...payload },
    createdBy: run.requestedBy,
    ...(run.id === undefined ? {} : { id: run.id })
  })
}

/** What the scheduler's job answers (in BullMQ only): the run it recorded, or why there is none. */
export type ScheduledRunHandOver =
  | { scheduleId: string, status: 'queued', jobId: string }
  | { scheduleId: string, status: 'skipped', reason: string }

/**
 * The job of a schedule's job scheduler: records the run as a job and
 * hands it over. For a schedule that is now deleted or inactive there is
 * no run, and the stale scheduler is removed. The run's id derives from
 * this job's id (one per schedule and fire time), so this job run twice
 * (its worker died after the commit) records and hands over one run.
 */
export async function startScheduledRun (payload: RunPayload, ctx: JobContext): Promise<ScheduledRunHandOver> {
  const { deps } = ctx
  const { workspaceId, scheduleId } = payload
  const started = await deps.database.db.transaction(async (tx) => {
    const row = await getImportSchedule(tx, workspaceId, scheduleId)
    if (row === undefined) return 'the schedule was deleted'
    if (!row.isActive) return 'the schedule is inactive'
    const id = jobIdFor(`${RUN_JOB_NAME}:${ctx.jobId}`)
    return recordRun(tx, { workspaceId, scheduleId, trigger: 'schedule', requestedBy: null, id })
  })
  if (typeof started === 'string') {
    // Re-read, not just removed: the schedule may have come back meanwhile.
    await syncScheduler(deps, workspaceId, scheduleId)
    return { scheduleId, status: 'skipped', reason: started }
  }
  // A run recorded by an earlier attempt of this job and already taken up
  // is not handed over again: BullMQ may have removed its finished job.
  if (started.status === 'queued') await dispatchJobs(deps, [started])
  ctx.log.info({ workspaceId, importScheduleId: scheduleId, runJobId: started.id }, 'scheduled import run queued')
  return { scheduleId, status: 'queued', jobId: started.id }
}
