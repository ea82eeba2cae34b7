import { eq, sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import type { JobContext } from '../../../src/jobs/registry.js'
import { outboxJobs } from '../../../src/modules/jobs/jobs.maintenance.js'
import { dispatchJobs, type NewJob, recordJob } from '../../../src/modules/jobs/jobs.outbox.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

/**
 * The outbox: a job row exists exactly when its transaction committed, it is
 * handed to BullMQ under its own id after the commit, and the relay hands
 * over a row whose dispatch never happened.
 */

const rowOf = async (app: FastifyInstance, id: string) =>
  (await app.deps.db.select().from(jobs).where(eq(jobs.id, id)))[0]

const newJob = (workspaceId: string, extra: Partial<NewJob> = {}): NewJob => ({
  workspaceId, queue: 'maintenance', name: 'test.noop', payload: { n: 1 }, ...extra
})

// One app for the file; every test makes its own workspaces.
const app = await buildTestApp(t)

t.test('a job recorded in a transaction that rolls back leaves nothing', async (t) => {
  const ws = await createWorkspace(app)
  let inside: string | undefined
  await t.rejects(app.deps.db.transaction(async (tx) => {
    const row = await recordJob(tx, newJob(ws.workspaceId))
    inside = row.id
    const [seen] = await tx.select().from(jobs).where(eq(jobs.id, row.id))
    t.equal(seen?.status, 'queued', 'the row exists inside the transaction')
    throw new Error('the work failed')
  }), { message: 'the work failed' })
  t.type(inside, 'string')
  t.equal(await rowOf(app, inside as string), undefined, 'no row after the rollback')
  const left = await app.deps.db.select().from(jobs).where(eq(jobs.workspaceId, ws.workspaceId))
  t.same(left, [], 'nothing of the workspace in the outbox')
  t.equal(await app.deps.queues.get('maintenance').getJob(inside as string), undefined,
    'nothing in BullMQ either')
})

t.test('dispatchJobs adds the job under the row id and marks the row enqueued', async (t) => {
  const ws = await createWorkspace(app)
  const queue = app.deps.queues.get('maintenance')
  const row = await app.deps.db.transaction((tx) =>
    recordJob(tx, newJob(ws.workspaceId, { createdBy: ws.userId })))
  t.equal(row.enqueuedAt, null, 'not enqueued at commit')
  t.equal(row.status, 'queued')
  t.equal(row.createdBy, ws.userId)

  await dispatchJobs(app.deps, [row])
  const job = await queue.getJob(row.id)
  t.equal(job?.id, row.id, 'the BullMQ job id is the row id')
  t.equal(job?.name, 'test.noop')
  t.same(job?.data, { n: 1 })
  t.equal(await job?.getState(), 'waiting')
  const after = await rowOf(app, row.id)
  t.ok(after?.enqueuedAt instanceof Date, 'enqueuedAt is set')

  await dispatchJobs(app.deps, [row])
  t.equal(await queue.getJobCountByTypes('waiting', 'delayed'), 1, 'a second dispatch adds nothing')

  const later = new Date(Date.now() + 60_000)
  const scheduled = await app.deps.db.transaction((tx) =>
    recordJob(tx, newJob(ws.workspaceId, { runAt: later })))
  await dispatchJobs(app.deps, [scheduled])
  const delayed = await queue.getJob(scheduled.id)
  t.equal(await delayed?.getState(), 'delayed', 'a job with runAt waits until then')
  const delay = delayed?.opts.delay ?? 0
  t.ok(delay > 50_000 && delay <= 60_000, `delayed by about a minute (${delay} ms)`)
})

t.test('the relay hands over a row left undispatched for more than 10 s', async (t) => {
  const ws = await createWorkspace(app)
  const queue = app.deps.queues.get('maintenance')
  const relay = outboxJobs.find((j) => j.name === 'jobs.relay')
  if (relay === undefined) throw new Error('jobs.relay is not registered')

  // A crash between commit and dispatch: committed rows that nobody handed over.
  const stale = await app.deps.db.transaction((tx) => recordJob(tx, newJob(ws.workspaceId)))
  const fresh = await app.deps.db.transaction((tx) => recordJob(tx, newJob(ws.workspaceId)))
  // Left undispatched on purpose; the test database outlives the run, and
  // a later relay (of any process on it) would hand it over.
  t.teardown(() => app.deps.db.delete(jobs).where(eq(jobs.id, fresh.id)))
  // Older than any real row, so the relay's oldest-first batch takes it first.
  await app.deps.db.execute(sql`
    update jobs set created_at = timestamptz '2000-01-01T00:00:00Z' where id = ${stale.id}::uuid
  `)

  const ctx: JobContext = {
    deps: app.deps,
    log: app.deps.logger,
    attempt: 1,
    jobId: 'repeat:jobs.relay',
    signal: new AbortController().signal,
    progress: async () => {}
  }
  const result = await relay.process({}, ctx) as { relayed: number }
  t.ok(result.relayed >= 1, `relayed ${result.relayed}`)
  const job = await queue.getJob(stale.id)
  t.equal(job?.name, 'test.noop', 'the stale row is now a BullMQ job under its id')
  t.same(job?.data, { n: 1 })
  const enqueuedAt = (await rowOf(app, stale.id))?.enqueuedAt
  t.ok(enqueuedAt instanceof Date, 'and marked enqueued')

  t.equal(await queue.getJob(fresh.id), undefined, 'a row younger than 10 s is left to its dispatcher')
  t.equal((await rowOf(app, fresh.id))?.enqueuedAt, null)

  await relay.process({}, ctx)
  t.same((await rowOf(app, stale.id))?.enqueuedAt, enqueuedAt, 'a second relay leaves a handed-over row')
  t.equal((await queue.getJobs(['waiting'])).filter((j) => j.id === stale.id).length, 1)
})
