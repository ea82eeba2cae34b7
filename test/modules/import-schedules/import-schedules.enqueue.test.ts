import { and, eq, sql } from 'drizzle-orm'
import t from 'tap'
import type { JobContext } from '../../../src/jobs/registry.js'
import { startScheduledRun } from '../../../src/modules/import-schedules/import-schedules.enqueue.js'
import { RUN_JOB_NAME } from '../../../src/modules/import-schedules/import-schedules.scheduler.js'
import { jobIdFor } from '../../../src/modules/jobs/jobs.outbox.js'
import { markJobFinished } from '../../../src/modules/jobs/jobs.status.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { createSchedule, tempDir } from './run-helpers.js'

// The job a schedule's cron fire produces records its run once, however
// often BullMQ runs it (its worker may die after the commit): the run's id
// derives from the fire's job id. No workers: the hand-over is called as
// BullMQ would call it, and its effects read from the database and Redis.

const app = await buildTestApp(t, { IMPORT_DIR: await tempDir(t, 'crm-enqueue-') })
const imports = app.deps.queues.get('imports')

const fire = (jobId: string): JobContext => ({
  deps: app.deps,
  log: app.deps.logger,
  attempt: 1,
  jobId,
  signal: new AbortController().signal,
  progress: async () => {}
})

t.test('jobIdFor answers the same UUID for the same key, another for another', async (t) => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  t.match(jobIdFor('a'), uuid)
  t.equal(jobIdFor('a'), jobIdFor('a'))
  t.not(jobIdFor('a'), jobIdFor('b'))
})

t.test('a cron fire handed over twice records and queues one run', async (t) => {
  const ws = await createWorkspace(app)
  const schedule = await createSchedule(ws, { source: { type: 'folder', pattern: '*.csv' } })
  const payload = { workspaceId: ws.workspaceId, scheduleId: schedule.id }
  const runs = () => app.deps.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.workspaceId, ws.workspaceId), eq(jobs.name, RUN_JOB_NAME),
      sql`${jobs.payload}->>'scheduleId' = ${schedule.id}`))

  const fireId = `repeat:${schedule.id}:${Date.now()}`
  const first = await startScheduledRun(payload, fire(fireId))
  const again = await startScheduledRun(payload, fire(fireId))
  t.match(first, { status: 'queued', jobId: jobIdFor(`${RUN_JOB_NAME}:${fireId}`) })
  t.same(again, first, 'the second hand-over names the same run')
  t.equal((await runs()).length, 1, 'one run is recorded')
  const queued = await imports.getJob(first.status === 'queued' ? first.jobId : '')
  t.same(queued?.data, { ...payload, requestedBy: null, trigger: 'schedule' }, 'and queued under its id')

  // The run ran and BullMQ dropped its finished job: a late repeat must not run it again.
  const runId = (first as { jobId: string }).jobId
  await markJobFinished(app.deps.db, runId, { status: 'succeeded', result: {} })
  await queued?.remove()
  t.same(await startScheduledRun(payload, fire(fireId)), first)
  t.equal(await imports.getJob(runId), undefined, 'a finished run is not handed over again')
  t.equal((await runs())[0]?.status, 'succeeded')

  const next = await startScheduledRun(payload, fire(`repeat:${schedule.id}:${Date.now() + 60_000}`))
  t.not((next as { jobId: string }).jobId, runId, 'the next fire is a run of its own')
  t.equal((await runs()).length, 2)
})
