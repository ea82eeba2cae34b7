import type { Job } from 'bullmq'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { Type } from 'typebox'
import type { JobContext, JobDefinition } from '../../../src/jobs/registry.js'
import { ShutdownError } from '../../../src/jobs/shutdown.js'
import { dispatchJobs, type JobRow, recordJob } from '../../../src/modules/jobs/jobs.outbox.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { startWorkers } from '../../../src/worker.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { openQueueEvents } from '../../fixtures/queue-events.js'
import { buildTestApp } from '../../helper.js'

/**
 * Jobs run by real workers (startWorkers, in-process, on the file's own
 * queue prefix) and seen through GET /v1/jobs/{jobId}. The jobs here are
 * the test's own, passed to startWorkers in place of the registry, so that
 * the test decides when each one starts, reports and ends.
 */

interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

function deferred<T = void> (): Deferred<T> {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((r) => { resolve = r })
  return { promise, resolve }
}

/** Reports progress, says it started, then waits for the test to let it finish. */
function gatedJob () {
  const started = deferred<JobContext>()
  const release = deferred()
  let runs = 0
  const definition: JobDefinition = {
    name: 'test.gated',
    queue: 'maintenance',
    payload: Type.Object({ items: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    async process (payload, ctx) {
      runs++
      const { items } = payload as { items: number }
      await ctx.progress({ done: 0, total: items })
      started.resolve(ctx)
      await release.promise
      return { done: items }
    }
  }
  return { definition, started, release, runs: () => runs }
}

/** Runs until the worker closes and then stops as a processor should; succeeds when run again. */
function interruptibleJob () {
  const attempts: number[] = []
  const started = deferred()
  const definition: JobDefinition = {
    name: 'test.interruptible',
    queue: 'maintenance',
    payload: Type.Object({}, { additionalProperties: false }),
    async process (_payload, ctx) {
      attempts.push(ctx.attempt)
      if (attempts.length > 1) return { runs: attempts.length }
      started.resolve()
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
      throw new ShutdownError()
    }
  }
  return { definition, started, attempts }
}

async function recordAndDispatch (app: FastifyInstance, ws: TestWorkspace, name: string, payload: object) {
  const row = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId,
    queue: 'maintenance',
    name,
    payload: payload as Record<string, unknown>,
    createdBy: ws.userId
  }))
  await dispatchJobs(app.deps, [row])
  return row
}

async function workers (t: Test, app: FastifyInstance, definitions: JobDefinition[]) {
  const running = await startWorkers(app.deps, process.env.REDIS_URL as string, { jobs: definitions })
  let closed = false
  t.teardown(async () => { if (!closed) await running.close() })
  return { close: async () => { closed = true; await running.close() } }
}

const getJob = (ws: TestWorkspace, id: string) => ws.request({ method: 'GET', url: `/v1/jobs/${id}` })

const bullJob = (app: FastifyInstance, id: string) =>
  app.deps.queues.get('maintenance').getJob(id) as Promise<Job>

// One app for the file; every test makes its own workspaces.
const app = await buildTestApp(t)

t.test('GET /v1/jobs/{jobId} follows a job from queued to running to succeeded', async (t) => {
  const ws = await createWorkspace(app)
  const gated = gatedJob()
  const queueEvents = await openQueueEvents(t, app, 'maintenance')
  const row = await recordAndDispatch(app, ws, 'test.gated', { items: 3 })

  const queued = await getJob(ws, row.id)
  t.equal(queued.statusCode, 200, queued.body)
  t.same(queued.json(), {
    id: row.id,
    type: 'test.gated',
    status: 'queued',
    progress: null,
    result: null,
    error: null,
    attempts: 0,
    runAt: null,
    createdAt: row.createdAt.toISOString(),
    startedAt: null,
    finishedAt: null
  })

  await workers(t, app, [gated.definition])
  const ctx = await gated.started.promise
  t.equal(ctx.jobId, row.id, 'the processor runs under the row id')
  t.equal(ctx.attempt, 1)
  const running = (await getJob(ws, row.id)).json()
  t.equal(running.status, 'running')
  t.same(running.progress, { done: 0, total: 3 }, 'progress is on the row while it runs')
  t.equal(running.attempts, 1)
  t.type(running.startedAt, 'string')
  t.equal(running.finishedAt, null)

  const finished = (await bullJob(app, row.id)).waitUntilFinished(queueEvents, 30_000)
  gated.release.resolve()
  t.same(await finished, { done: 3 }, 'BullMQ has the result')
  const done = (await getJob(ws, row.id)).json()
  t.equal(done.status, 'succeeded')
  t.same(done.result, { done: 3 })
  t.same(done.progress, { done: 0, total: 3 })
  t.equal(done.error, null)
  t.equal(done.attempts, 1)
  t.type(done.finishedAt, 'string')
  t.ok(Date.parse(done.finishedAt) >= Date.parse(done.startedAt), 'finished after it started')
  t.equal(gated.runs(), 1, 'it ran once')
})

t.test('GET /v1/jobs/{jobId} finds only jobs of the caller\'s workspace', async (t) => {
  const a = await createWorkspace(app, 'Jobs A')
  const b = await createWorkspace(app, 'Jobs B')
  const theirs = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: b.workspaceId, queue: 'maintenance', name: 'test.noop', payload: {}
  }))
  // Never handed over: gone at the end, before any relay of the shared test database takes it.
  t.teardown(() => app.deps.db.delete(jobs).where(eq(jobs.id, theirs.id)))
  t.equal((await getJob(b, theirs.id)).statusCode, 200, 'its own workspace sees it')

  const foreign = assertFullProblem(t, await getJob(a, theirs.id), 404, 'CRM_JOB_NOT_FOUND')
  const unknownId = '5d7e0c4a-1b2c-4d3e-8f9a-0b1c2d3e4f5a'
  const unknown = assertFullProblem(t, await getJob(a, unknownId), 404, 'CRM_JOB_NOT_FOUND')
  t.equal(foreign.detail, `No job with id ${theirs.id}`)
  t.equal(unknown.detail, `No job with id ${unknownId}`, 'another workspace\'s job is just unknown')

  const bad = assertFullProblem(t, await getJob(a, 'not-a-uuid'), 400, 'CRM_VALIDATION_ERROR')
  t.same(bad.errors, [{ pointer: 'jobId', message: 'must match format "uuid"' }])
  assertFullProblem(t, await app.inject({ method: 'GET', url: `/v1/jobs/${theirs.id}` }), 401, 'CRM_UNAUTHORIZED')
})

t.test('a bad payload fails the job at once, without a retry', async (t) => {
  const ws = await createWorkspace(app)
  const gated = gatedJob()
  const queueEvents = await openQueueEvents(t, app, 'maintenance')
  await workers(t, app, [gated.definition])

  const row = await recordAndDispatch(app, ws, 'test.gated', { items: 'three' })
  await t.rejects((await bullJob(app, row.id)).waitUntilFinished(queueEvents, 30_000), /invalid payload/)
  const job = await bullJob(app, row.id)
  t.equal(await job.getState(), 'failed', 'failed, not waiting for a retry')
  t.equal(job.attemptsMade, 1, 'one attempt of the five allowed')
  t.equal(gated.runs(), 0, 'the processor never ran')
  const failed = (await getJob(ws, row.id)).json()
  t.equal(failed.status, 'failed')
  t.equal(failed.error, 'the job payload is invalid')
  t.type(failed.finishedAt, 'string')
  t.equal(failed.attempts, 0, 'no attempt was started')
})

t.test('a worker shutdown puts the running job back without spending an attempt', async (t) => {
  const ws = await createWorkspace(app)
  const job = interruptibleJob()
  const queueEvents = await openQueueEvents(t, app, 'maintenance')
  const first = await workers(t, app, [job.definition])
  const row: JobRow = await recordAndDispatch(app, ws, 'test.interruptible', {})
  await job.started.promise

  await first.close()
  const interrupted = await bullJob(app, row.id)
  t.equal(await interrupted.getState(), 'delayed', 'back in the queue, delayed')
  t.equal(interrupted.attemptsMade, 0, 'no attempt spent')
  const [between] = await app.deps.db.select().from(jobs).where(eq(jobs.id, row.id))
  t.equal(between?.status, 'queued', 'the row says queued again')
  t.equal(between?.error, 'interrupted by a worker shutdown')
  t.equal(between?.finishedAt, null)

  const finished = interrupted.waitUntilFinished(queueEvents, 30_000)
  await workers(t, app, [job.definition])
  t.same(await finished, { runs: 2 }, 'a new worker runs it to the end')
  t.same(job.attempts, [1, 1], 'both runs were attempt 1')
  const done = (await getJob(ws, row.id)).json()
  t.equal(done.status, 'succeeded')
  t.equal(done.error, null)
  t.same(done.result, { runs: 2 })
})

t.test('a job that ran leaves the outbox even when its dispatch lost the update', async (t) => {
  const ws = await createWorkspace(app)
  const queueEvents = await openQueueEvents(t, app, 'maintenance')
  const quick: JobDefinition = {
    name: 'test.quick',
    queue: 'maintenance',
    payload: Type.Object({}, { additionalProperties: false }),
    process: async () => ({ ok: true })
  }
  const row = await app.deps.db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId, queue: 'maintenance', name: 'test.quick', payload: {}
  }))
  // The dispatch's add happened, its update of enqueuedAt did not (a crash, a lost connection).
  const added = await app.deps.queues.get('maintenance').add(row.name, row.payload, { jobId: row.id })
  await workers(t, app, [quick])
  t.same(await added.waitUntilFinished(queueEvents, 30_000), { ok: true })
  const [after] = await app.deps.db.select().from(jobs).where(eq(jobs.id, row.id))
  t.equal(after?.status, 'succeeded')
  t.ok(after?.enqueuedAt instanceof Date, 'enqueuedAt is set once it runs: the relay will not add it again')
})
