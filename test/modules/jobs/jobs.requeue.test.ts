import { Writable } from 'node:stream'
import { eq, sql } from 'drizzle-orm'
import { pino } from 'pino'
import t from 'tap'
import { Type } from 'typebox'
import type { JobContext, JobDefinition } from '../../../src/jobs/registry.js'
import { outboxJobs } from '../../../src/modules/jobs/jobs.maintenance.js'
import { dispatchJobs, type JobRow, recordJob } from '../../../src/modules/jobs/jobs.outbox.js'
import {
  LOST_JOB_ERROR,
  QUEUED_GRACE_MS,
  RUNNING_GRACE_LOCKS,
  requeueLostJobs
} from '../../../src/modules/jobs/jobs.requeue.js'
import { markJobFinished, markJobRunning } from '../../../src/modules/jobs/jobs.status.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { startWorkers } from '../../../src/worker.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { openQueueEvents } from '../../fixtures/queue-events.js'
import { buildTestApp } from '../../helper.js'

/**
 * Jobs whose BullMQ job vanished from Redis (a flushed or failed-over
 * Redis) after their row was handed over: the requeue puts them back under
 * their id, once they are past the grace, and leaves alone every row whose
 * job is still there, that finished, that is too fresh, or that was handed
 * to another queue prefix. The file's rows live on its own queue prefix.
 */

const app = await buildTestApp(t)
const queue = app.deps.queues.get('maintenance')

const rowOf = async (id: string) =>
  (await app.deps.db.select().from(jobs).where(eq(jobs.id, id)))[0] as JobRow

async function dispatched (ws: TestWorkspace, payload: Record<string, unknown>, name = 'test.lost') {
  const row = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId, queue: 'maintenance', name, payload, createdBy: ws.userId
  }))
  await dispatchJobs(app.deps, [row])
  return rowOf(row.id)
}

/** The row was handed over, and last updated, `ms` ago. */
async function age (id: string, ms: number) {
  await app.deps.db.execute(sql`
    update jobs set enqueued_at = now() - make_interval(secs => ${ms / 1000}),
      updated_at = now() - make_interval(secs => ${ms / 1000})
    where id = ${id}::uuid
  `)
}

/** What Redis losing the job looks like: no job of that id in its queue. */
async function lose (id: string) {
  await (await queue.getJob(id))?.remove()
  if ((await queue.getJob(id)) !== undefined) throw new Error(`job ${id} is still in its queue`)
}

/** A logger whose lines the test reads. */
function capturedLogger () {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  return { log: pino({ level: 'info' }, stream), lines }
}

const requeueDefinition = outboxJobs.find((j) => j.name === 'jobs.requeue')

function runRequeue (log = app.deps.logger) {
  if (requeueDefinition === undefined) throw new Error('jobs.requeue is not registered')
  const ctx: JobContext = {
    deps: app.deps,
    log,
    attempt: 1,
    jobId: 'repeat:jobs.requeue',
    signal: new AbortController().signal,
    progress: async () => {}
  }
  return requeueDefinition.process({}, ctx) as Promise<{ requeued: number, closed: number }>
}

const lockMs = app.deps.config.WORKER_LOCK_MS
const longAgo = 3_600_000

t.test('jobs.requeue is a scheduled maintenance job', async (t) => {
  t.equal(requeueDefinition?.queue, 'maintenance')
  t.same(requeueDefinition?.schedule, { id: 'jobs.requeue.every-30s', every: 30_000 })
})

t.test('a queued job lost from Redis goes back under its id and payload, and runs to succeeded', async (t) => {
  const ws = await createWorkspace(app)
  const runs: unknown[] = []
  const lost: JobDefinition = {
    name: 'test.lost',
    queue: 'maintenance',
    payload: Type.Object({ n: Type.Integer(), tags: Type.Array(Type.String()) }, { additionalProperties: false }),
    async process (payload, ctx) {
      runs.push({ payload, jobId: ctx.jobId })
      return { doubled: (payload as { n: number }).n * 2 }
    }
  }
  const row = await dispatched(ws, { n: 21, tags: ['a', 'b'] })
  t.equal(row.queuePrefix, app.deps.queues.prefix, 'the row records the prefix it was handed to')
  await lose(row.id)
  await age(row.id, QUEUED_GRACE_MS + 5_000)

  const { log, lines } = capturedLogger()
  t.same(await runRequeue(log), { requeued: 1, closed: 0 }, 'one job queued again')
  const job = await queue.getJob(row.id)
  t.equal(job?.id, row.id, 'back under the row id')
  t.equal(job?.name, 'test.lost')
  t.same(job?.data, { n: 21, tags: ['a', 'b'] }, 'with the same payload')
  t.equal(await job?.getState(), 'waiting')
  const warning = lines.find((l) => l.msg === 'job lost from its queue; queued again')
  t.match(warning, {
    level: 40, jobId: row.id, queue: 'maintenance', jobName: 'test.lost', workspaceId: ws.workspaceId
  })
  t.match(lines.find((l) => l.msg === 'lost jobs queued again, given-up jobs closed'), { requeued: 1, closed: 0 },
    'the run counts them')

  const requeued = await rowOf(row.id)
  t.equal(requeued.status, 'queued')
  t.equal(requeued.error, LOST_JOB_ERROR, 'the row says why it waits again')
  t.ok(requeued.enqueuedAt !== null && requeued.enqueuedAt.getTime() > Date.now() - 60_000, 'handed over now')

  t.same(await runRequeue(), { requeued: 0, closed: 0 }, 'a second run finds its job and leaves it')
  t.equal((await queue.getJobs(['waiting'])).filter((j) => j.id === row.id).length, 1, 'added once')

  const queueEvents = await openQueueEvents(t, app, 'maintenance')
  const finished = job?.waitUntilFinished(queueEvents, 30_000)
  const workers = await startWorkers(app.deps, process.env.REDIS_URL as string, { jobs: [lost] })
  t.teardown(() => workers.close())
  t.same(await finished, { doubled: 42 })
  const done = await rowOf(row.id)
  t.equal(done.status, 'succeeded')
  t.same(done.result, { doubled: 42 })
  t.equal(done.error, null, 'the error is gone once it ran')
  t.same(runs, [{ payload: { n: 21, tags: ['a', 'b'] }, jobId: row.id }], 'it ran once, under its id')
  await workers.close()
})

t.test('a running job whose worker stopped updating, and whose job Redis lost, goes back', async (t) => {
  const ws = await createWorkspace(app)
  const quiet = await dispatched(ws, { n: 1 })
  const busy = await dispatched(ws, { n: 2 })
  for (const row of [quiet, busy]) {
    await markJobRunning(app.deps.db, row.id, 2, app.deps.queues.prefix)
    await lose(row.id)
  }
  // One quiet for longer than the grace, one updated within it (its processor may still be at work).
  await age(quiet.id, RUNNING_GRACE_LOCKS * lockMs + 5_000)
  await age(busy.id, (RUNNING_GRACE_LOCKS * lockMs) / 2)

  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 1, closed: 0 })
  t.same((await queue.getJob(quiet.id))?.data, { n: 1 }, 'the quiet one is back')
  const back = await rowOf(quiet.id)
  t.equal(back.status, 'queued', 'queued again until a worker takes it')
  t.equal(back.attempts, 2, 'its attempts so far are kept')
  t.ok(back.startedAt instanceof Date, 'and when it first started')

  t.equal(await queue.getJob(busy.id), undefined, 'the recently updated one is left to its processor')
  const left = await rowOf(busy.id)
  t.equal(left.status, 'running')
  t.equal(left.error, null)
  // Its processor ends; later tests must not find it past its grace.
  await markJobFinished(app.deps.db, busy.id, { status: 'succeeded', result: null })
})

t.test('rows whose job is there, that finished, that are fresh, or of another prefix are left alone', async (t) => {
  const ws = await createWorkspace(app)
  // Still in its queue, however old the row.
  const present = await dispatched(ws, { n: 3 })
  await age(present.id, longAgo)
  // Finished, and then removed by BullMQ's removeOnComplete / removeOnFail.
  const succeeded = await dispatched(ws, { n: 4 })
  const failed = await dispatched(ws, { n: 5 })
  await markJobFinished(app.deps.db, succeeded.id, { status: 'succeeded', result: { ok: true } })
  await markJobFinished(app.deps.db, failed.id, { status: 'failed', error: 'broken' })
  // Handed over within the grace: its job may be on its way.
  const fresh = await dispatched(ws, { n: 6 })
  await age(fresh.id, QUEUED_GRACE_MS - 15_000)
  // Handed over to another queue prefix, which this process does not judge.
  const foreign = await dispatched(ws, { n: 7 })
  await app.deps.db.update(jobs).set({ queuePrefix: '{elsewhere}' }).where(eq(jobs.id, foreign.id))
  // Never handed over, however quiet: the relay's, not the requeue's. Its
  // creation stays recent, so that no relay of a process sharing the test
  // database (test/main.test.ts) hands it over meanwhile; it goes at the end.
  const undispatched = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId, queue: 'maintenance', name: 'test.lost', payload: { n: 8 }
  }))
  t.teardown(() => app.deps.db.delete(jobs).where(eq(jobs.id, undispatched.id)))
  await app.deps.db.execute(
    sql`update jobs set updated_at = now() - interval '1 hour' where id = ${undispatched.id}::uuid`
  )
  for (const row of [succeeded, failed, fresh, foreign]) {
    await lose(row.id)
    if (row !== fresh) await age(row.id, longAgo)
  }
  const before = new Map<string, JobRow>()
  for (const row of [present, succeeded, failed, fresh, foreign, undispatched]) before.set(row.id, await rowOf(row.id))

  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 }, 'nothing to requeue')
  for (const [id, row] of before) t.same(await rowOf(id), row, `row ${JSON.stringify(row.payload)} unchanged`)
  t.equal(await (await queue.getJob(present.id))?.getState(), 'waiting', 'the present job is as it was')
  for (const row of [succeeded, failed, fresh, foreign, undispatched]) {
    t.equal(await queue.getJob(row.id), undefined, `no job added for ${JSON.stringify(row.payload)}`)
  }

  // Past its grace, the fresh one is lost too.
  await age(fresh.id, QUEUED_GRACE_MS + 5_000)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 1, closed: 0 })
  t.same((await queue.getJob(fresh.id))?.data, { n: 6 })
})

t.test('candidates are paged: more than a page of lost jobs all go back', async (t) => {
  const ws = await createWorkspace(app)
  const rows = await app.deps.db.insert(jobs).values(Array.from({ length: 520 }, (_, n) => ({
    workspaceId: ws.workspaceId, queue: 'maintenance', name: 'test.lost', payload: { n }
  }))).returning()
  // Handed over long ago; Redis kept none of them.
  await app.deps.db.execute(sql`
    update jobs set enqueued_at = now() - interval '1 hour', updated_at = now() - interval '1 hour',
      queue_prefix = ${app.deps.queues.prefix}
    where workspace_id = ${ws.workspaceId}::uuid
  `)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 520, closed: 0 })
  const ids = new Set((await queue.getJobs(['waiting'], 0, -1)).map((j) => j.id))
  t.ok(rows.every((r) => ids.has(r.id)), 'every one is in the queue again')
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 })
})

t.test('a job that runs before its dispatch was recorded takes the prefix of the worker that runs it', async (t) => {
  const ws = await createWorkspace(app)
  const row = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId, queue: 'maintenance', name: 'test.lost', payload: { n: 9 }
  }))
  t.equal((await rowOf(row.id)).queuePrefix, null, 'not handed over yet')
  await markJobRunning(app.deps.db, row.id, 1, app.deps.queues.prefix)
  const running = await rowOf(row.id)
  t.equal(running.queuePrefix, app.deps.queues.prefix, 'judged by its own prefix from now on')
  t.ok(running.enqueuedAt instanceof Date)
  await markJobRunning(app.deps.db, row.id, 2, '{elsewhere}')
  t.equal((await rowOf(row.id)).queuePrefix, app.deps.queues.prefix, 'a recorded prefix is kept')
  await markJobFinished(app.deps.db, row.id, { status: 'succeeded', result: {} })
})
