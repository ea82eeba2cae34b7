import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { UnrecoverableError, Worker } from 'bullmq'
import { eq, sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { RUN_JOB_NAME } from '../../../src/modules/import-schedules/import-schedules.scheduler.js'
import { dispatchJobs, type JobRow, recordJob } from '../../../src/modules/jobs/jobs.outbox.js'
import { requeueLostJobs, STALLED_ERROR } from '../../../src/modules/jobs/jobs.requeue.js'
import { markJobRunning } from '../../../src/modules/jobs/jobs.status.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

/**
 * Jobs BullMQ finished without their record hearing of it: given up after
 * their workers died under them (BullMQ fails such a job as stalled without
 * calling its processor), or completed just before the record could be
 * written. The requeue pass closes the record with BullMQ's outcome, and a
 * given-up import schedule run also closes the schedule's last run. The
 * jobs are driven by hand through BullMQ's manual worker API, on the
 * file's own queue prefix.
 */

const dataDir = await mkdtemp(path.join(tmpdir(), 'crm-given-up-'))
t.teardown(() => rm(dataDir, { recursive: true, force: true }))
const app = await buildTestApp(t, { IMPORT_DIR: dataDir, DATA_DIR: dataDir })
const db = app.deps.db
const HOUR_MS = 3_600_000

const rowOf = async (id: string) => (await db.select().from(jobs).where(eq(jobs.id, id)))[0] as JobRow

/** A scheduled run recorded, handed over and started, as a worker leaves it before it dies. */
async function runningScheduleRun (ws: TestWorkspace) {
  const created = await ws.request({
    method: 'POST',
    url: '/v1/import-schedules',
    payload: {
      name: `Drop ${randomUUID()}`,
      cron: '0 3 * * *',
      object: 'contacts',
      mode: 'create',
      source: { type: 'folder', pattern: '*.csv' }
    }
  })
  if (created.statusCode !== 201) throw new Error(created.body)
  const scheduleId = created.json().id as string
  const row = await db.transaction((tx) => recordJob(tx, {
    workspaceId: ws.workspaceId,
    queue: 'imports',
    name: RUN_JOB_NAME,
    payload: { workspaceId: ws.workspaceId, scheduleId, trigger: 'schedule' },
    createdBy: null
  }))
  await dispatchJobs(app.deps, [row])
  await markJobRunning(db, row.id, 1, app.deps.queues.prefix)
  await db.execute(sql`update import_schedules set last_run_at = now(), last_run_job_id = ${row.id}::uuid,
    last_run_trigger = 'schedule', last_run_status = 'running' where id = ${scheduleId}::uuid`)
  return { scheduleId, row }
}

/** Takes the next job of the imports queue by hand, as a worker would, and answers it with its lock token. */
async function take (t: Test, expectedId: string) {
  const worker = new Worker('imports', undefined, {
    connection: { url: process.env.REDIS_URL },
    prefix: app.deps.queues.prefix
  })
  t.teardown(() => worker.close())
  const token = randomUUID()
  const job = await worker.getNextJob(token)
  if (job?.id !== expectedId) throw new Error(`took job ${job?.id}, expected ${expectedId}`)
  return { job, token }
}

const age = (id: string) =>
  db.execute(sql`update jobs set updated_at = now() - make_interval(secs => ${HOUR_MS / 1000}) where id = ${id}::uuid`)

t.test('a run BullMQ gave up as stalled is closed as failed, and so is its schedule\'s last run', async (t) => {
  const ws = await createWorkspace(app)
  const { scheduleId, row } = await runningScheduleRun(ws)
  const { job, token } = await take(t, row.id)
  // As BullMQ's stall check does: failed for good, whatever attempts are left.
  await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), token, false)
  t.equal(await job.getState(), 'failed')
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 },
    'within the grace it is left alone: its worker may still report')

  await age(row.id)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 1 })
  const closed = await rowOf(row.id)
  t.match(closed, { status: 'failed', error: STALLED_ERROR })
  t.ok(closed.finishedAt instanceof Date, 'it finished')

  const status = await ws.request({ method: 'GET', url: `/v1/jobs/${row.id}` })
  t.match(status.json(), { status: 'failed', error: STALLED_ERROR })
  const schedule = await ws.request({ method: 'GET', url: `/v1/import-schedules/${scheduleId}` })
  t.match(schedule.json().lastRun, { jobId: row.id, status: 'failed', error: STALLED_ERROR, finishedAt: String })

  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 }, 'closed once')
})

t.test('a job BullMQ failed for another reason keeps that reason', async (t) => {
  const ws = await createWorkspace(app)
  const { row } = await runningScheduleRun(ws)
  const { job, token } = await take(t, row.id)
  await job.moveToFailed(new UnrecoverableError('the import folder is gone'), token, false)
  await age(row.id)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 1 })
  t.match(await rowOf(row.id), { status: 'failed', error: 'the import folder is gone' })
})

t.test('a job BullMQ completed is closed as succeeded with its result', async (t) => {
  const ws = await createWorkspace(app)
  const { scheduleId, row } = await runningScheduleRun(ws)
  const { job, token } = await take(t, row.id)
  await job.moveToCompleted({ importsStarted: 0 }, token, false)
  await age(row.id)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 1 })
  t.match(await rowOf(row.id), { status: 'succeeded', result: { importsStarted: 0 }, error: null })
  const schedule = await ws.request({ method: 'GET', url: `/v1/import-schedules/${scheduleId}` })
  t.equal(schedule.json().lastRun.status, 'running',
    'only a given-up run closes the last run: a completed one wrote its own outcome')
})

t.test('a job BullMQ still holds as active is left to its worker', async (t) => {
  const ws = await createWorkspace(app)
  const { row } = await runningScheduleRun(ws)
  const { job, token } = await take(t, row.id)
  await age(row.id)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 })
  t.equal((await rowOf(row.id)).status, 'running')
  await job.moveToCompleted(null, token, false)
})
