import { createHash, randomUUID } from 'node:crypto'
import { copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { imports } from '../../../src/modules/imports/imports.table.js'
import { importSchedules } from '../../../src/modules/import-schedules/import-schedules.table.js'
import { reconcileSchedulers } from '../../../src/modules/import-schedules/import-schedules.scheduler.js'
import { startWorkers } from '../../../src/worker.js'
import { openQueueEvents } from '../../fixtures/queue-events.js'
import { buildTestApp } from '../../helper.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { startHttpsServer } from './https-server.js'
import { createSchedule, getSchedule, jobRecord, runNow, tempDir } from './run-helpers.js'

// Real workers in this process, real Postgres and Redis, a real HTTPS
// server with an openssl certificate, real files in temporary folders.
// Runs are awaited through BullMQ's queue events, never by sleeping.
//
// These tests go through startImport of the imports module: each run
// hands its files over and the imports module answers duplicates.

const CSV = 'email,firstName,lastName\nada@example.com,Ada,Lovelace\n'
const INNER = 'email,firstName,lastName\ngrace@example.com,Grace,Hopper\n'
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const redisUrl = process.env.REDIS_URL as string

const schedulerOf = (app: FastifyInstance, id: string) =>
  app.deps.queues.get('imports').getJobScheduler(`import-schedule:${id}`)

const importsOf = (app: FastifyInstance, scheduleId: string) =>
  app.deps.db.select().from(imports).where(eq(imports.scheduleId, scheduleId))

t.test('folder sources, reconcile and scheduled runs', async (t) => {
  const importDir = await tempDir(t, 'crm-import-dir-')
  const dataDir = await tempDir(t, 'crm-data-dir-')
  const outside = await tempDir(t, 'crm-outside-')
  const app = await buildTestApp(t, { IMPORT_DIR: importDir, DATA_DIR: dataDir })
  const ws = await createWorkspace(app)
  const folder = path.join(importDir, ws.workspaceId)
  const source = { type: 'folder', pattern: 'contacts-*.csv' }

  // A scheduler lost between the commit and Redis (or in a flushed Redis):
  // the worker's first reconcile, which runs as it starts, brings it back.
  const healed = await createSchedule(ws, { source, isActive: true })
  await app.deps.queues.get('imports').removeJobScheduler(`import-schedule:${healed.id}`)
  const maintenance = await openQueueEvents(t, app, 'maintenance')
  const reconciled = new Promise<unknown>((resolve) => {
    maintenance.on('completed', ({ jobId, returnvalue }) => {
      if (jobId.startsWith('repeat:import-schedules.reconcile:')) resolve(returnvalue)
    })
  })
  const workers = await startWorkers(app.deps, redisUrl)
  t.teardown(() => workers.close())
  const events = await openQueueEvents(t, app, 'imports')

  t.test('the reconcile job runs when the worker starts and heals a lost scheduler', async (t) => {
    t.match(await reconciled, { upserted: Number })
    t.match(await schedulerOf(app, healed.id), { pattern: '0 3 * * *', tz: 'UTC' })
  })

  t.test('reconcile fixes a changed scheduler and removes stale ones', async (t) => {
    const queue = app.deps.queues.get('imports')
    const s = await createSchedule(ws, { source })
    const gone = await createSchedule(ws, { source })
    await app.deps.db.update(importSchedules).set({ deletedAt: new Date() }).where(eq(importSchedules.id, gone.id))
    const stranger = randomUUID()
    await queue.upsertJobScheduler(`import-schedule:${s.id}`, { pattern: '* * * * *' }, {
      name: 'import-schedule.run', data: { workspaceId: ws.workspaceId, scheduleId: s.id }
    })
    await queue.upsertJobScheduler(`import-schedule:${stranger}`, { pattern: '0 1 * * *' }, {
      name: 'import-schedule.run', data: { workspaceId: ws.workspaceId, scheduleId: stranger }
    })
    await queue.upsertJobScheduler('import-schedule:garbage', { pattern: '0 1 * * *' }, { name: 'x', data: {} })
    await queue.upsertJobScheduler('someone-else', { pattern: '0 1 * * *' }, { name: 'x', data: {} })

    const result = await reconcileSchedulers(app.deps)
    t.ok(result.upserted >= 1 && result.removed >= 3, JSON.stringify(result))
    t.match(await schedulerOf(app, s.id), { pattern: '0 3 * * *', tz: 'UTC' }, 'the cron of the table wins')
    t.equal(await schedulerOf(app, gone.id), undefined, 'a deleted schedule loses its scheduler')
    t.equal(await schedulerOf(app, stranger), undefined, 'a scheduler with no schedule is removed')
    t.equal(await queue.getJobScheduler('import-schedule:garbage'), undefined)
    t.ok(await queue.getJobScheduler('someone-else'), 'schedulers outside the prefix are left alone')

    const again = await reconcileSchedulers(app.deps)
    t.ok(await schedulerOf(app, s.id), 'a second pass keeps it')
    t.type(again.active, 'number')
  })

  t.test('imports new files once, by checksum, and refuses links out of the folder', async (t) => {
    await mkdir(path.join(folder, 'sub'), { recursive: true })
    await writeFile(path.join(folder, 'contacts-1.csv'), CSV)
    await writeFile(path.join(folder, 'sub', 'inner.csv'), INNER)
    await symlink(path.join(folder, 'sub', 'inner.csv'), path.join(folder, 'contacts-in.csv'))
    await writeFile(path.join(outside, 'secret.csv'), 'email\nroot@example.com\n')
    await symlink(path.join(outside, 'secret.csv'), path.join(folder, 'contacts-out.csv'))
    await writeFile(path.join(folder, '.contacts-partial.csv'), 'email\nhalf')
    await writeFile(path.join(folder, 'notes.txt'), 'not matched')
    const s = await createSchedule(ws, { source, isActive: false })

    const first = await runNow(app, events, ws, s.id)
    t.equal(first.status, 'succeeded', first.error ?? '')
    t.match(first.result, {
      scheduleId: s.id,
      status: 'done',
      source: 'folder',
      filesMatched: 3,
      importsStarted: 2,
      duplicatesSkipped: 0,
      errors: [{ fileName: 'contacts-out.csv', message: /outside the import folder/ }]
    })
    let rows = await importsOf(app, s.id)
    t.same(
      rows.map((r) => [r.fileName, r.checksum, r.fileSize, r.object, r.mode, r.upsertKey, r.createdBy]).sort(),
      [
        ['contacts-1.csv', sha256(CSV), CSV.length, 'contacts', 'upsert', 'email', ws.userId],
        ['contacts-in.csv', sha256(INNER), INNER.length, 'contacts', 'upsert', 'email', ws.userId]
      ]
    )
    const [schedule] = await app.deps.db.select().from(importSchedules).where(eq(importSchedules.id, s.id))
    t.ok(schedule?.lastRunAt, 'lastRunAt is set')
    t.equal(schedule?.version, 1, 'a run does not change the version')

    await copyFile(path.join(folder, 'contacts-1.csv'), path.join(folder, 'contacts-1-again.csv'))
    const second = await runNow(app, events, ws, s.id)
    t.match(second.result, { filesMatched: 4, importsStarted: 0, duplicatesSkipped: 3 })
    t.same(second.result.imports.map((i: { duplicate: boolean }) => i.duplicate), [true, true, true])
    rows = await importsOf(app, s.id)
    t.equal(rows.length, 2, 'the same bytes are imported once')
    const stored = await readdir(path.join(dataDir, 'imports-files')).catch(() => [])
    const kept = new Set(rows.map((r) => path.basename(r.filePath)))
    t.ok(stored.every((f) => kept.has(f)), 'the copies of duplicates are removed')
  })

  t.test('a scheduled run does what a run now does; a stale one removes its scheduler', async (t) => {
    const dir = path.join(folder)
    await writeFile(path.join(dir, 'leads-1.csv'), 'email,firstName,lastName\nlin@example.com,Lin,Wu\n')
    const s = await createSchedule(ws, { source: { type: 'folder', pattern: 'leads-*.csv' }, object: 'leads' })
    const queue = app.deps.queues.get('imports')
    const delayed = (await queue.getDelayed()).find((j) => j.data.scheduleId === s.id)
    t.equal(delayed?.name, 'import-schedule.run', 'the scheduler queued the next run')
    await delayed?.promote()
    // The scheduler's job records the run as a job of its own and hands it over.
    const handOver = await delayed?.waitUntilFinished(events, 30_000)
    t.match(handOver, { scheduleId: s.id, status: 'queued', jobId: String })
    const run = await jobRecord(app, events, ws, handOver.jobId)
    t.match(run, {
      id: handOver.jobId,
      type: 'import-schedule.run',
      status: 'succeeded',
      result: { scheduleId: s.id, importsStarted: 1, imports: [{ fileName: 'leads-1.csv', duplicate: false }] }
    })
    t.match(await importsOf(app, s.id), [{ createdBy: null, object: 'leads' }])
    const { body } = await getSchedule(ws, s.id)
    t.match(body.lastRun, { jobId: handOver.jobId, trigger: 'schedule', status: 'succeeded' })

    // Deactivated behind the API's back: the scheduler's next job notices.
    await app.deps.db.update(importSchedules).set({ isActive: false }).where(eq(importSchedules.id, s.id))
    const stale = await queue.add('import-schedule.run', { workspaceId: ws.workspaceId, scheduleId: s.id }, {
      jobId: `scheduled-${s.id}`
    })
    t.match(await stale.waitUntilFinished(events, 30_000), { status: 'skipped', reason: 'the schedule is inactive' })
    t.equal(await schedulerOf(app, s.id), undefined)
  })

  t.test('a workspace without a folder yet runs empty', async (t) => {
    const other = await createWorkspace(app)
    const s = await createSchedule(other, { source })
    const job = await runNow(app, events, other, s.id)
    t.match(job.result, {
      filesMatched: 0, importsStarted: 0, errors: [{ message: 'the workspace has no import folder yet' }]
    })
  })

  t.test('a URL source never reaches loopback unless allowed', async (t) => {
    const server = await startHttpsServer(t, (_req, res) => res.end(CSV))
    const url = `https://localhost:${server.port}/contacts.csv`
    const s = await createSchedule(ws, { source: { type: 'url', url } })
    const job = await runNow(app, events, ws, s.id)
    t.equal(job.status, 'failed')
    t.equal(job.attempts, 1, 'no retries: it would not change')
    t.equal(job.error, 'localhost resolves to an address that is a loopback address; URL sources may not reach it')
    t.equal(server.hits(), 0)
    t.same(await importsOf(app, s.id), [])
  })
})

t.test('URL sources download over HTTPS when private networks are allowed', async (t) => {
  const server = await startHttpsServer(t, (req, res) => {
    if (req.url === '/contacts.csv') res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV)
    else res.writeHead(404).end()
  })
  const dataDir = await tempDir(t, 'crm-data-dir-')
  const app = await buildTestApp(t, {
    DATA_DIR: dataDir,
    IMPORT_ALLOW_PRIVATE_URLS: 'true',
    IMPORT_URL_CA_FILE: server.caFile
  })
  const workers = await startWorkers(app.deps, redisUrl)
  t.teardown(() => workers.close())
  const events = await openQueueEvents(t, app, 'imports')
  const ws = await createWorkspace(app)

  const s = await createSchedule(ws, { source: { type: 'url', url: `https://localhost:${server.port}/contacts.csv` } })
  const first = await runNow(app, events, ws, s.id)
  t.equal(first.status, 'succeeded', first.error ?? '')
  t.match(first.result, {
    source: 'url',
    filesMatched: 1,
    importsStarted: 1,
    imports: [{ fileName: 'contacts.csv', checksum: sha256(CSV), size: CSV.length, duplicate: false }]
  })
  const second = await runNow(app, events, ws, s.id)
  t.match(second.result, { importsStarted: 0, duplicatesSkipped: 1 })
  t.equal((await importsOf(app, s.id)).length, 1)

  const gone = `https://localhost:${server.port}/gone.csv`
  const missing = await createSchedule(ws, { source: { type: 'url', url: gone } })
  const failed = await runNow(app, events, ws, missing.id)
  t.match(failed, { status: 'failed', attempts: 1, error: 'the server answered 404' })
})
