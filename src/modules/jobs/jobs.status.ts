import { and, eq, lt, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { jobs } from './jobs.table.js'

// Only ids of `jobs` rows are uuids; scheduler and internal jobs have other ids.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isRecordedJobId = (id: string | undefined): id is string => id !== undefined && UUID.test(id)

/**
 * A job that runs was delivered, whatever `enqueuedAt` says: when the
 * dispatch added it to BullMQ but lost the update after, this takes the row
 * out of the outbox, so the relay does not add it again (which would run it
 * twice if BullMQ had already removed the finished job).
 */
export async function markJobRunning (
  db: Executor,
  id: string,
  attempt: number,
  queuePrefix: string
): Promise<void> {
  if (!isRecordedJobId(id)) return
  await db
    .update(jobs)
    .set({
      status: 'running',
      attempts: attempt,
      enqueuedAt: sql`coalesce(${jobs.enqueuedAt}, now())`,
      // Also for a row whose dispatch did not get to record it: jobs.requeue
      // judges only rows of its own prefix.
      queuePrefix: sql`coalesce(${jobs.queuePrefix}, ${queuePrefix})`,
      startedAt: sql`coalesce(${jobs.startedAt}, now())`,
      updatedAt: sql`now()`
    })
    .where(eq(jobs.id, id))
}

export async function markJobProgress (db: Executor, id: string, progress: Record<string, unknown>): Promise<void> {
  if (!isRecordedJobId(id)) return
  await db.update(jobs).set({ progress, updatedAt: sql`now()` }).where(eq(jobs.id, id))
}

/** A final outcome, or (`retrying`) a failed attempt that BullMQ will run again. */
export async function markJobFinished (
  db: Executor,
  id: string,
  outcome: { status: 'succeeded', result: unknown } | { status: 'failed' | 'retrying', error: string }
): Promise<void> {
  if (!isRecordedJobId(id)) return
  const values = outcome.status === 'succeeded'
    ? { status: 'succeeded', result: outcome.result ?? null, error: null, finishedAt: sql`now()` }
    : outcome.status === 'failed'
      ? { status: 'failed', error: outcome.error, finishedAt: sql`now()` }
      : { status: 'queued', error: outcome.error }
  await db.update(jobs).set({ ...values, updatedAt: sql`now()` }).where(eq(jobs.id, id))
}

/** Forgets finished jobs older than `days`; answers how many went. */
export async function purgeFinishedJobs (db: Executor, days: number): Promise<number> {
  const removed = await db
    .delete(jobs)
    .where(and(lt(jobs.finishedAt, sql`now() - make_interval(days => ${days})`)))
    .returning({ id: jobs.id })
  return removed.length
}
