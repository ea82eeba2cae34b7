import { and, asc, eq, gt, inArray, isNotNull, lt, or, type SQL, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { AppDeps } from '../../deps.js'
import { QUEUE_NAMES, type QueueName } from '../../jobs/queues.js'
import { addJob, type JobRow } from './jobs.outbox.js'
import { jobs } from './jobs.table.js'

/** A queued row's job is judged once it was handed over this long ago. */
export const QUEUED_GRACE_MS = 60_000
/** A running row's job is judged once the row went this many worker lock periods without an update. */
export const RUNNING_GRACE_LOCKS = 3

/** What the row of a job that Redis lost says, until the job runs again. */
export const LOST_JOB_ERROR = 'its queue lost the job; it was queued again'

const PAGE = 500

const QUEUES = new Set<string>(Object.values(QUEUE_NAMES))

export interface RequeueGrace {
  queuedMs: number
  runningMs: number
}

export const requeueGrace = (config: Config): RequeueGrace => ({
  queuedMs: QUEUED_GRACE_MS,
  runningMs: RUNNING_GRACE_LOCKS * config.WORKER_LOCK_MS
})

const ago = (ms: number) => sql`now() - make_interval(secs => ${ms / 1000})`

/**
 * Handed over to this process's queue prefix, not finished, and quiet for
 * longer than the grace: a queued row handed over (or touched by a retry)
 * more than a minute ago, a running row not updated for a few lock periods.
 * The grace leaves alone a row just handed over again, and a processor
 * still working while Redis lost its job under it.
 */
function inFlightTooLong (prefix: string, grace: RequeueGrace): SQL | undefined {
  return and(
    eq(jobs.queuePrefix, prefix),
    isNotNull(jobs.enqueuedAt),
    inArray(jobs.status, ['queued', 'running']),
    or(
      and(eq(jobs.status, 'queued'), lt(sql`greatest(${jobs.enqueuedAt}, ${jobs.updatedAt})`, ago(grace.queuedMs))),
      and(eq(jobs.status, 'running'), lt(jobs.updatedAt, ago(grace.runningMs)))
    )
  )
}

/** One page of candidates, by id after `afterId`, over the in-flight index. */
export async function inFlightJobs (
  deps: AppDeps,
  grace: RequeueGrace,
  afterId: string | null,
  limit = PAGE
): Promise<JobRow[]> {
  return deps.database.db
    .select()
    .from(jobs)
    .where(and(
      inFlightTooLong(deps.queues.prefix, grace),
      afterId === null ? undefined : gt(jobs.id, afterId)
    ))
    .orderBy(asc(jobs.id))
    .limit(limit)
}

/** What `requeueLostJobs` did with the candidates of one pass. */
export interface SettleCounts {
  /** Handed over again: Redis had lost them. */
  requeued: number
  /** Closed: BullMQ had finished them without the row hearing of it. */
  closed: number
}

/**
 * Settles the rows whose job is not where the row says (a row handed over
 * and not finished, quiet for longer than the grace):
 *
 * - **Lost**: the BullMQ job is no longer in its queue (a flushed Redis, a
 *   failover to a replica that never got it). It is handed over again.
 * - **Given up**: BullMQ failed the job without its processor knowing, as
 *   it does when the job's worker died more often than the stall limit
 *   allows. The row is closed as failed with BullMQ's reason, and the job
 *   kind's `abandoned` hook closes what else it keeps (an import
 *   schedule's last run). Likewise a job BullMQ holds as completed whose
 *   row did not hear it is closed as succeeded with its return value.
 *
 * A missing job there is genuinely lost. The queues of this process are
 * the prefix this deployment uses, and a row is judged only by processes
 * of the prefix it was handed to (`queuePrefix`): a process on another
 * prefix sharing the database never takes over jobs it was not handed.
 * BullMQ does remove jobs of its own accord, but only finished ones
 * (removeOnComplete, removeOnFail), and the worker records the outcome on
 * the row before it gives the job back to BullMQ: the row of a job removed
 * that way is succeeded or failed, no candidate here. A row still queued
 * or running without its job lost it some other way.
 *
 * A lost job goes back with the row's id and payload (an add is idempotent
 * by id). Every job kind is safe to run again: sends claim their rows,
 * imports resume from their checkpoint, rescoring is idempotent. Each row
 * is changed by a statement that repeats the checks, so an outcome its
 * worker recorded meanwhile wins; if the add then fails, the row is a
 * candidate again after the grace.
 */
export async function requeueLostJobs (deps: AppDeps, log: Logger): Promise<SettleCounts> {
  const grace = requeueGrace(deps.config)
  const counts: SettleCounts = { requeued: 0, closed: 0 }
  let afterId: string | null = null
  for (;;) {
    const page = await inFlightJobs(deps, grace, afterId)
    for (const row of page) {
      // A row of a queue this version does not have is nobody's to run here.
      if (!QUEUES.has(row.queue)) continue
      const fields = {
        jobId: row.id,
        queue: row.queue,
        jobName: row.name,
        workspaceId: row.workspaceId,
        status: row.status
      }
      const job = await deps.queues.get(row.queue as QueueName).getJob(row.id)
      if (job === undefined) {
        if (!(await requeue(deps, grace, row))) continue
        log.warn(fields, 'job lost from its queue; queued again')
        counts.requeued++
        continue
      }
      const state = await job.getState()
      if (state !== 'failed' && state !== 'completed') continue
      const outcome: JobOutcome = state === 'completed'
        ? { status: 'succeeded', result: job.returnvalue ?? null }
        : { status: 'failed', error: givenUpReason(job.failedReason) }
      if (!(await close(deps, grace, row, outcome))) continue
      if (outcome.status === 'failed') await runAbandonedHook(deps, log, row, outcome.error)
      log.warn({ ...fields, outcome: outcome.status }, 'job finished in its queue without its record; record closed')
      counts.closed++
    }
    if (page.length < PAGE) return counts
    afterId = page.at(-1)?.id ?? null
  }
}

type JobOutcome = { status: 'succeeded', result: unknown } | { status: 'failed', error: string }

/** BullMQ's words for a job whose workers kept dying under it, in the API's. */
export const STALLED_ERROR = 'its worker stopped while running it more often than allowed; it was given up'

function givenUpReason (failedReason: string | undefined): string {
  if (failedReason === undefined || failedReason === '' || /stalled/i.test(failedReason)) return STALLED_ERROR
  return failedReason
}

const stillInFlight = (deps: AppDeps, grace: RequeueGrace, row: JobRow) => and(
  eq(jobs.workspaceId, row.workspaceId),
  eq(jobs.id, row.id),
  inFlightTooLong(deps.queues.prefix, grace)
)

async function requeue (deps: AppDeps, grace: RequeueGrace, row: JobRow): Promise<boolean> {
  const [again] = await deps.database.db
    .update(jobs)
    .set({ status: 'queued', error: LOST_JOB_ERROR, enqueuedAt: sql`now()`, updatedAt: sql`now()` })
    .where(stillInFlight(deps, grace, row))
    .returning()
  if (again === undefined) return false
  await addJob(deps, again)
  return true
}

async function close (deps: AppDeps, grace: RequeueGrace, row: JobRow, outcome: JobOutcome): Promise<boolean> {
  const values = outcome.status === 'succeeded'
    ? { status: 'succeeded', result: outcome.result, error: null }
    : { status: 'failed', error: outcome.error }
  const closed = await deps.database.db
    .update(jobs)
    .set({ ...values, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(stillInFlight(deps, grace, row))
    .returning({ id: jobs.id })
  return closed.length > 0
}

async function runAbandonedHook (deps: AppDeps, log: Logger, row: JobRow, error: string): Promise<void> {
  // Loaded here: the registry imports every module, this one included.
  const { JOBS } = await import('../../jobs/registry.js')
  const definition = JOBS.find((j) => j.name === row.name && j.queue === row.queue)
  if (definition?.abandoned === undefined) return
  try {
    await definition.abandoned(row.payload, { deps, log, jobId: row.id, error })
  } catch (err) {
    log.warn({ err, jobId: row.id, jobName: row.name }, 'closing what an abandoned job kept failed')
  }
}
