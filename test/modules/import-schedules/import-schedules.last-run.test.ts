import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { markRunSucceeded } from '../../../src/modules/import-schedules/import-schedules.last-run.js'
import { startWorkers } from '../../../src/worker.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { openQueueEvents } from '../../fixtures/queue-events.js'
import { buildTestApp } from '../../helper.js'
import { startHttpsServer } from './https-server.js'
import { createSchedule, cronFires, getSchedule, jobRecord, tempDir } from './run-helpers.js'

// Every run is a job the API shows, and the schedule shows its last run:
// real workers, Postgres, Redis, files and an HTTPS server.

const CSV = 'email,firstName,lastName\nada@example.com,Ada,Lovelace\n'

t.test('the last run of a schedule, whoever started it', async (t) => {
  let flaky = 0
  const server = await startHttpsServer(t, (req, res) => {
    if (req.url === '/contacts.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV)
    else if (req.url === '/flaky.csv') {
      // The first attempt meets a 503, which may pass; the retry succeeds.
      if (flaky++ === 0) res.writeHead(503).end()
      else res.writeHead(200).end(CSV)
    } else res.writeHead(404).end()
  })
  const importDir = await tempDir(t, 'crm-import-dir-')
  const app = await buildTestApp(t, {
    IMPORT_DIR: importDir,
    DATA_DIR: await tempDir(t, 'crm-data-dir-'),
    IMPORT_ALLOW_PRIVATE_URLS: 'true',
    IMPORT_URL_CA_FILE: server.caFile
  })
  const workers = await startWorkers(app.deps, process.env.REDIS_URL as string)
  t.teardown(() => workers.close())
  const events = await openQueueEvents(t, app, 'imports')
  const ws = await createWorkspace(app)
  const url = (file: string) => ({ type: 'url', url: `https://localhost:${server.port}/${file}` })

  t.test('a run the cron starts is a job, and the schedule shows its outcome', async (t) => {
    await mkdir(path.join(importDir, ws.workspaceId), { recursive: true })
    await writeFile(path.join(importDir, ws.workspaceId, 'cron-1.csv'), CSV)
    const s = await createSchedule(ws, { source: { type: 'folder', pattern: 'cron-*.csv' } })
    const before = await getSchedule(ws, s.id)
    t.equal(before.body.lastRun, null, 'no run yet')

    const handOver = await cronFires(app, events, s.id)
    t.match(handOver, { scheduleId: s.id, status: 'queued', jobId: String })
    const job = await jobRecord(app, events, ws, handOver.jobId)
    t.match(job, {
      id: handOver.jobId,
      type: 'import-schedule.run',
      status: 'succeeded',
      error: null,
      attempts: 1,
      result: { scheduleId: s.id, importsStarted: 1, imports: [{ fileName: 'cron-1.csv', duplicate: false }] }
    })

    const after = await getSchedule(ws, s.id)
    const { lastRun } = after.body
    t.same(lastRun, {
      jobId: handOver.jobId,
      trigger: 'schedule',
      status: 'succeeded',
      startedAt: after.body.lastRunAt,
      finishedAt: lastRun.finishedAt,
      error: null,
      counts: { filesMatched: 1, importsStarted: 1, duplicatesSkipped: 0, unchangedSkipped: 0, filesRefused: 0 }
    })
    t.ok(Date.parse(lastRun.finishedAt) >= Date.parse(lastRun.startedAt), 'it finished after it started')
    t.equal(after.body.version, 1, 'a run does not change the version')
    t.equal(after.etag, before.etag, 'nor the ETag')
    const list = await ws.request({ method: 'GET', url: '/v1/import-schedules?sort=-lastRunAt' })
    t.same(list.json().data.find((x: { id: string }) => x.id === s.id)?.lastRun, lastRun, 'lists show it too')
  })

  t.test('a failed run shows its error on the schedule and on its job', async (t) => {
    const s = await createSchedule(ws, { source: url('gone.csv') })
    const handOver = await cronFires(app, events, s.id)
    const job = await jobRecord(app, events, ws, handOver.jobId)
    t.match(job, { status: 'failed', attempts: 1, error: 'the server answered 404' })
    const { body } = await getSchedule(ws, s.id)
    t.match(body.lastRun, {
      jobId: handOver.jobId,
      trigger: 'schedule',
      status: 'failed',
      finishedAt: String,
      error: 'the server answered 404',
      counts: null
    })
  })

  t.test('a run someone asked for, retried after a failed attempt', async (t) => {
    const s = await createSchedule(ws, { source: url('flaky.csv'), isActive: false })
    let retrying: (() => void) | undefined
    const retried = new Promise<void>((resolve) => { retrying = resolve })
    let jobId = ''
    const onDelayed = ({ jobId: id }: { jobId: string }) => { if (id === jobId) retrying?.() }
    events.on('delayed', onDelayed)
    t.teardown(() => { events.off('delayed', onDelayed) })
    const res = await ws.request({ method: 'POST', url: `/v1/import-schedules/${s.id}/run` })
    t.equal(res.statusCode, 202, res.body)
    jobId = res.json().id

    // Between the attempts (BullMQ waits a second before the next one).
    await retried
    const between = await getSchedule(ws, s.id)
    t.match(between.body.lastRun, {
      jobId, trigger: 'request', status: 'queued', finishedAt: null, error: 'the server answered 503', counts: null
    })

    const job = await jobRecord(app, events, ws, jobId)
    t.match(job, { status: 'succeeded', attempts: 2 })
    const { body } = await getSchedule(ws, s.id)
    t.match(body.lastRun, {
      jobId,
      trigger: 'request',
      status: 'succeeded',
      error: null,
      counts: { filesMatched: 1, importsStarted: 1, duplicatesSkipped: 0 }
    })
  })

  t.test('only the last run that started writes its outcome', async (t) => {
    const s = await createSchedule(ws, { source: url('contacts.csv'), isActive: false })
    const res = await ws.request({ method: 'POST', url: `/v1/import-schedules/${s.id}/run` })
    const job = await jobRecord(app, events, ws, res.json().id)
    t.equal(job.status, 'succeeded')
    const before = (await getSchedule(ws, s.id)).body.lastRun
    const ctx = {
      deps: app.deps,
      log: app.log,
      attempt: 1,
      jobId: randomUUID(),
      signal: new AbortController().signal,
      progress: async () => {}
    } as unknown as Parameters<typeof markRunSucceeded>[0]
    const older = { workspaceId: ws.workspaceId, scheduleId: s.id, jobId: randomUUID() }
    await markRunSucceeded(ctx, older, {
      filesMatched: 9, importsStarted: 9, duplicatesSkipped: 0, unchangedSkipped: 0, filesRefused: 0
    })
    t.same((await getSchedule(ws, s.id)).body.lastRun, before, 'a run that is not the last one changes nothing')
  })
})
