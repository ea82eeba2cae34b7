import { and, inArray, isNull, lt, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import type { AppDeps } from '../../deps.js'
import type { QueueName } from '../../jobs/queues.js'
import { jobs } from './jobs.table.js'

export interface NewJob {
  workspaceId: string
  queue: QueueName
  name: string
  payload: Record<string, unknown>
  /** Not before this instant. */
  runAt?: Date
  createdBy?: string | null
}

export type JobRow = typeof jobs.$inferSelect

/**
 * Records a job inside the caller's transaction: it exists exactly when the
 * work that asked for it committed. Hand the returned row to `dispatchJobs`
 * after the commit; if the process dies first, the relay does it.
 */
export async function recordJob (tx: Executor, job: NewJob): Promise<JobRow> {
  const [row] = await tx
    .insert(jobs)
    .values({
      workspaceId: job.workspaceId,
      queue: job.queue,
      name: job.name,
      payload: job.payload,
      runAt: job.runAt ?? null,
      createdBy: job.createdBy ?? null
    })
    .returning()
  return row as JobRow
}

/**
 * Hands committed jobs to BullMQ, with the row's id as the job id, so a job
 * handed over twice (the relay racing a slow dispatch) is added once. A
 * failure here is not the caller's failure: the relay retries.
 */
export async function dispatchJobs (deps: AppDeps, rows: readonly JobRow[]): Promise<void> {
  if (rows.length === 0) return
  try {
    for (const row of rows) await addJob(deps, row)
    await deps.database.db
      .update(jobs)
      .set({ enqueuedAt: sql`now()`, queuePrefix: deps.queues.prefix })
      .where(inArray(jobs.id, rows.map((r) => r.id)))
  } catch (err) {
    deps.logger.warn({ err, jobIds: rows.map((r) => r.id) }, 'job dispatch failed; the outbox relay will retry')
  }
}

/** Adds the row's job to its queue under the row's id; a job of that id already there is kept. */
export async function addJob (deps: AppDeps, row: JobRow): Promise<void> {
  const delay = row.runAt === null ? 0 : Math.max(0, row.runAt.getTime() - Date.now())
  await deps.queues.get(row.queue as QueueName).add(row.name, row.payload, { jobId: row.id, delay })
}

/** Jobs committed at least `olderThanMs` ago and never handed to BullMQ. */
export async function undispatchedJobs (db: Executor, olderThanMs: number, limit = 500): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(isNull(jobs.enqueuedAt), lt(jobs.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`)))
    .orderBy(jobs.createdAt)
    .limit(limit)
}
