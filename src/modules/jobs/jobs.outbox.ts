import { createHash } from 'node:crypto'
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm'
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
  /**
   * The row's id when the caller derives it (jobIdFor): recording the same
   * id again answers the row already there instead of a second job.
   */
  id?: string
}

export type JobRow = typeof jobs.$inferSelect

/**
 * Records a job inside the caller's transaction: it exists exactly when the
 * work that asked for it committed. Hand the returned row to `dispatchJobs`
 * after the commit; if the process dies first, the relay does it.
 */
export async function recordJob (tx: Executor, job: NewJob): Promise<JobRow> {
  const values = {
    ...(job.id === undefined ? {} : { id: job.id }),
    workspaceId: job.workspaceId,
    queue: job.queue,
    name: job.name,
    payload: job.payload,
    runAt: job.runAt ?? null,
    createdBy: job.createdBy ?? null
  }
  if (job.id === undefined) {
    const [row] = await tx.insert(jobs).values(values).returning()
    return row as JobRow
  }
  const [row] = await tx.insert(jobs).values(values).onConflictDoNothing({ target: jobs.id }).returning()
  if (row !== undefined) return row
  const [existing] = await tx
    .select()
    .from(jobs)
    .where(and(eq(jobs.workspaceId, job.workspaceId), eq(jobs.id, job.id)))
  if (existing === undefined) throw new Error(`job id ${job.id} belongs to another workspace`)
  return existing
}

/**
 * A job row id derived from `key` (a UUID built from its SHA-256): for work
 * that must be recorded once however often it is asked for, such as the
 * run a cron fire starts, keyed by the fire's BullMQ job id.
 */
export function jobIdFor (key: string): string {
  const hex = createHash('sha256').update(key).digest('hex').slice(0, 32).split('')
  hex[12] = '5'
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  const h = hex.join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
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

/**
 * Jobs committed at least `olderThanMs` ago and never handed to BullMQ. A
 * row not yet handed over has no queue prefix, so the relay of any process
 * on the database may take it: one deployment per database is assumed
 * (recording the prefix with the row would lift that).
 */
export async function undispatchedJobs (db: Executor, olderThanMs: number, limit = 500): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(isNull(jobs.enqueuedAt), lt(jobs.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`)))
    .orderBy(jobs.createdAt)
    .limit(limit)
}
