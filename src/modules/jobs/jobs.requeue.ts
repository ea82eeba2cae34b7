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

/**
 * Hands over again the jobs that Redis lost (a flushed Redis, a failover to
 * a replica that never got them): a row handed over and not finished whose
 * BullMQ job is no longer in its queue. Answers how many went back.
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
 * The job goes back with the row's id and payload (an add is idempotent
 * by id). Every job kind is safe to run again: sends claim their rows,
 * imports resume from their checkpoint, rescoring is idempotent. The row
 * is marked queued before the add, by a statement that repeats the checks,
 * so an outcome its worker recorded meanwhile wins; if the add then fails,
 * the row is a candidate again after the grace.
 */
export async function requeueLostJobs (deps: AppDeps, log: Logger): Promise<number> {
  const grace = requeueGrace(deps.config)
  let requeued = 0
  let afterId: string | null = null
  for (;;) {
    const page = await inFlightJobs(deps, grace, afterId)
    for (const row of page) {
      if (!(await requeueIfLost(deps, grace, row))) continue
      log.warn({
        jobId: row.id,
        queue: row.queue,
        jobName: row.name,
        workspaceId: row.workspaceId,
        status: row.status
      }, 'job lost from its queue; queued again')
      requeued++
    }
    if (page.length < PAGE) return requeued
    afterId = page.at(-1)?.id ?? null
  }
}

async function requeueIfLost (deps: AppDeps, grace: RequeueGrace, row: JobRow): Promise<boolean> {
  // A row of a queue this version does not have is nobody's to run here.
  if (!QUEUES.has(row.queue)) return false
  const queue = deps.queues.get(row.queue as QueueName)
  if ((await queue.getJob(row.id)) !== undefined) return false
  const [again] = await deps.database.db
    .update(jobs)
    .set({ status: 'queued', error: LOST_JOB_ERROR, enqueuedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(
      eq(jobs.workspaceId, row.workspaceId),
      eq(jobs.id, row.id),
      inFlightTooLong(deps.queues.prefix, grace)
    ))
    .returning()
  if (again === undefined) return false
  await addJob(deps, again)
  return true
}
