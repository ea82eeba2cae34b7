import { UnrecoverableError } from 'bullmq'
import { and, eq, sql } from 'drizzle-orm'
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core'
import type { AppDeps } from '../../deps.js'
import type { JobContext } from '../../jobs/registry.js'
import { ShutdownError } from '../../jobs/shutdown.js'
import { scoped } from '../../lib/records/tenant.js'
import type { RunTrigger } from './import-schedules.payload.js'
import type { ImportScheduleRow } from './import-schedules.resource.js'
import type { LastRun } from './import-schedules.schemas.js'
import { importSchedules, type LastRunCounts } from './import-schedules.table.js'

/**
 * The schedule's record of its last run (the `lastRun*` columns): written
 * by the run itself as it starts and as it ends, never the version nor
 * `updatedAt`. The run's `jobs` row says the same in more detail, for 30
 * days; the schedule keeps the outcome of its last run for good.
 */

interface RunRef {
  workspaceId: string
  scheduleId: string
  /** The run's `jobs` row. */
  jobId: string
}

/** The run starts (or starts again, after a failed attempt): it becomes the schedule's last run. */
export async function markRunStarted (ctx: JobContext, run: RunRef & { trigger: RunTrigger }): Promise<void> {
  await ctx.deps.database.db
    .update(importSchedules)
    .set({
      lastRunAt: sql`now()`,
      lastRunJobId: run.jobId,
      lastRunTrigger: run.trigger,
      lastRunStatus: 'running',
      lastRunFinishedAt: null,
      lastRunError: null,
      lastRunCounts: null
    })
    .where(scoped(importSchedules, run.workspaceId, eq(importSchedules.id, run.scheduleId)))
}

/** The run succeeded; a run that another run started after has nothing to say any more. */
export async function markRunSucceeded (ctx: JobContext, run: RunRef, counts: LastRunCounts): Promise<void> {
  await finish(ctx, run, { lastRunStatus: 'succeeded', lastRunFinishedAt: sql`now()`, lastRunCounts: counts })
}

/**
 * The run's attempt failed with `err`: for good (`failed`), or `queued`
 * when BullMQ will try it again (as the worker decides: the job's attempts
 * are not used up and retrying can help, or the worker is shutting down).
 * Never throws: the run's own error is what the worker must see.
 */
export async function markRunFailed (ctx: JobContext, run: RunRef, err: unknown): Promise<void> {
  try {
    const interrupted = err instanceof ShutdownError || ctx.signal.aborted
    const message = interrupted
      ? 'interrupted by a worker shutdown'
      : err instanceof Error ? err.message : String(err)
    const final = !interrupted && (err instanceof UnrecoverableError || ctx.attempt >= await attemptsOf(ctx))
    await finish(ctx, run, final
      ? { lastRunStatus: 'failed', lastRunFinishedAt: sql`now()`, lastRunError: message }
      : { lastRunStatus: 'queued', lastRunError: message })
  } catch (markErr) {
    ctx.log.warn({ err: markErr }, 'the schedule\'s last run could not be recorded')
  }
}

/** The attempts BullMQ gives the job, as the worker reads them. */
async function attemptsOf (ctx: JobContext): Promise<number> {
  const job = await ctx.deps.queues.get('imports').getJob(ctx.jobId)
  return job?.opts.attempts ?? 1
}

/**
 * BullMQ gave the run up after its workers died under it, so the run never
 * said how it ended (jobs.requeue.ts closed its `jobs` row): it failed.
 */
export async function markRunAbandoned (deps: AppDeps, run: RunRef, error: string): Promise<void> {
  await finish({ deps }, run, { lastRunStatus: 'failed', lastRunFinishedAt: sql`now()`, lastRunError: error })
}

async function finish (
  ctx: Pick<JobContext, 'deps'>,
  run: RunRef,
  values: PgUpdateSetSource<typeof importSchedules>
) {
  await ctx.deps.database.db
    .update(importSchedules)
    .set(values)
    .where(scoped(importSchedules, run.workspaceId, and(
      eq(importSchedules.id, run.scheduleId),
      eq(importSchedules.lastRunJobId, run.jobId)
    )))
}

/** The `lastRun` of the DTO; null before the first run. */
export function lastRunOf (row: ImportScheduleRow): LastRun | null {
  if (row.lastRunJobId === null || row.lastRunAt === null) return null
  return {
    jobId: row.lastRunJobId,
    trigger: (row.lastRunTrigger ?? 'request') as LastRun['trigger'],
    status: (row.lastRunStatus ?? 'running') as LastRun['status'],
    startedAt: row.lastRunAt.toISOString(),
    finishedAt: row.lastRunFinishedAt?.toISOString() ?? null,
    error: row.lastRunError,
    counts: row.lastRunCounts ?? null
  }
}
