import { eq } from 'drizzle-orm'
import t from 'tap'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { importSchedules } from '../../../src/modules/import-schedules/import-schedules.table.js'
import { buildTestApp } from '../../helper.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis: the schedulers are read back from the test's own
// BullMQ prefix. No worker runs here; import-schedules.worker.test.ts runs one.

type Caller = Pick<TestWorkspace, 'request'>
const post = (who: Caller, payload: Record<string, unknown>, url = '/v1/import-schedules') =>
  who.request({ method: 'POST', url, payload })
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const patch = (who: Caller, url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  who.request({ method: 'PATCH', url, payload, headers })
const del = (who: Caller, url: string) => who.request({ method: 'DELETE', url })

const folderSchedule = {
  name: 'Nightly contacts',
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  source: { type: 'folder', pattern: 'contacts-*.csv' },
  object: 'contacts'
}

t.test('import schedules', async (t) => {
  const app = await buildTestApp(t)
  const queue = app.deps.queues.get('imports')
  const schedulerOf = (id: string) => queue.getJobScheduler(`import-schedule:${id}`)

  t.test('creates with defaults and registers a job scheduler', async (t) => {
    const ws = await createWorkspace(app)
    const res = await post(ws, folderSchedule)
    t.equal(res.statusCode, 201, res.body)
    const s = res.json()
    t.equal(res.headers.location, `/v1/import-schedules/${s.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same(s, {
      id: s.id,
      name: 'Nightly contacts',
      cron: '0 2 * * *',
      source: { type: 'folder', pattern: 'contacts-*.csv' },
      object: 'contacts',
      timezone: 'Europe/Berlin',
      format: 'csv',
      mode: 'create',
      isActive: true,
      upsertKey: null,
      mapping: null,
      lastRunAt: null,
      lastRun: null,
      nextRunAt: s.nextRunAt,
      createdAt: s.createdAt,
      updatedAt: s.createdAt,
      version: 1
    })
    const next = new Date(s.nextRunAt)
    t.ok(next.getTime() > Date.now(), 'the next run is in the future')
    const berlinHour = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin', hour: 'numeric', hourCycle: 'h23'
    })
    t.equal(berlinHour.format(next), '02', 'at 2 o\'clock Berlin time')

    const scheduler = await schedulerOf(s.id)
    t.match(scheduler, {
      key: `import-schedule:${s.id}`,
      name: 'import-schedule.run',
      pattern: '0 2 * * *',
      tz: 'Europe/Berlin',
      template: { data: { workspaceId: ws.workspaceId, scheduleId: s.id } }
    })
    t.equal(scheduler?.next, next.getTime(), 'BullMQ fires when nextRunAt says')

    const read = await get(ws, `/v1/import-schedules/${s.id}`)
    t.equal(read.statusCode, 200)
    t.same(read.json(), s)
    const list = await get(ws, '/v1/import-schedules?isActive=true&object=contacts')
    t.same(list.json().data.map((x: { id: string }) => x.id), [s.id])
  })

  t.test('round-trips a url source with upsert and a mapping', async (t) => {
    const ws = await createWorkspace(app)
    const payload = {
      name: 'Price list',
      cron: '*/30 * * * * ',
      timezone: 'utc',
      source: { type: 'url', url: 'https://exports.example.com/crm/products.ndjson' },
      object: 'products',
      format: 'ndjson',
      mode: 'upsert',
      mapping: { SKU: 'sku', Title: 'name', 'billing/city': 'unitPrice' },
      isActive: false
    }
    const res = await post(ws, payload)
    t.equal(res.statusCode, 201, res.body)
    const s = res.json()
    t.match(s, {
      cron: '*/30 * * * *',
      timezone: 'UTC',
      source: { type: 'url', url: 'https://exports.example.com/crm/products.ndjson' },
      upsertKey: 'sku',
      mapping: payload.mapping,
      isActive: false,
      nextRunAt: null
    })
    t.equal(await schedulerOf(s.id), undefined, 'an inactive schedule has no scheduler')
  })

  t.test('refuses a schedule that cannot run, with a pointer for each problem', async (t) => {
    const ws = await createWorkspace(app)
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ cron: '61 * * * *' }, '/cron', /not a valid cron expression/],
      [{ cron: 'every day' }, '/cron', /5 fields/],
      [{ cron: '* * * *' }, '/cron', /5 fields/],
      [{ cron: '* * * * * * *' }, '/cron', /5 fields/],
      [{ cron: '@daily' }, '/cron', /macros/],
      [{ cron: 'H * * * *' }, '/cron', /hashed/],
      [{ cron: '0 0 30 2 *' }, '/cron', /not a valid cron/],
      [{ cron: '* * * * * *' }, '/cron', /once a minute/],
      [{ cron: '*/20 * * * * *' }, '/cron', /once a minute/],
      [{ timezone: 'Mars/Olympus' }, '/timezone', /IANA time zone/],
      [{ timezone: '+05:00' }, '/timezone', /IANA time zone/],
      [{ source: { type: 'folder', pattern: '../secrets-*.csv' } }, '/source/pattern', /path separators/],
      [{ source: { type: 'folder', pattern: 'a..b' } }, '/source/pattern', /\.\./],
      [{ source: { type: 'folder', pattern: 'sub\\*.csv' } }, '/source/pattern', /path separators/],
      [{ source: { type: 'folder', pattern: '.hidden-*' } }, '/source/pattern', /dot/],
      [{ source: { type: 'url', url: 'http://exports.example.com/a.csv' } }, '/source/url', /must use https/],
      [{ source: { type: 'url', url: 'https://user:secret@exports.example.com/a.csv' } }, '/source/url', /credentials/],
      [{ source: { type: 'url', url: 'https://127.0.0.1:8443/a.csv' } }, '/source/url', /loopback/],
      [{ source: { type: 'url', url: 'https://[::ffff:169.254.169.254]/latest' } }, '/source/url', /link-local/],
      [{ mode: 'create', upsertKey: 'email' }, '/upsertKey', /mode upsert only/],
      [{ mode: 'upsert', upsertKey: 'sku' }, '/upsertKey', /must be one of email for contacts/],
      [{ mapping: { Email: 'emailAddress' } }, '/mapping/Email', /must name a field of contacts/],
      [{ mapping: { A: 'email', B: 'email' } }, '/mapping/B', /already gives/],
      [{ mapping: { Street: 'mailingAddress' } }, '/mapping/Street', /must name a field/],
      [{ mapping: { 'a/b~c': 'nope' } }, '/mapping/a~1b~0c', /must name a field/]
    ]
    for (const [change, pointer, message] of cases) {
      const res = await post(ws, { ...folderSchedule, ...change })
      const body = assertFullProblem(t, res, 422, 'CRM_IMPORT_SCHEDULE_INVALID')
      t.equal(body.errors.length, 1, `${JSON.stringify(change)}: one problem`)
      t.equal(body.errors[0]?.pointer, pointer, JSON.stringify(change))
      t.match(body.errors[0]?.message, message, JSON.stringify(change))
      t.match(body.detail, pointer)
    }

    const all = await post(ws, {
      ...folderSchedule,
      cron: 'nope',
      timezone: 'Nowhere/Land',
      source: { type: 'url', url: 'http://a.example/' },
      upsertKey: 'email'
    })
    const body = assertFullProblem(t, all, 422, 'CRM_IMPORT_SCHEDULE_INVALID')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/timezone', '/cron', '/source/url', '/upsertKey'])

    const shapes: [Record<string, unknown>, string][] = [
      [{ type: 'ftp', pattern: 'a' }, '/source/type'],
      [{ type: 'folder' }, '/source/pattern'],
      [{ type: 'url' }, '/source/url'],
      [{ type: 'folder', pattern: 'a.csv', url: 'https://x.example/' }, '/source/url'],
      [{ type: 'url', url: 'not a url' }, '/source/url']
    ]
    for (const [shape, pointer] of shapes) {
      const res = await post(ws, { ...folderSchedule, source: shape })
      const problem = assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      const pointers = problem.errors.map((e: { pointer: string }) => e.pointer)
      t.ok(pointers.includes(pointer), `${JSON.stringify(shape)}: ${pointers.join(' ')}`)
    }
    const extra = await post(ws, { ...folderSchedule, lastRunAt: new Date().toISOString() })
    t.equal(assertFullProblem(t, extra, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, '/lastRunAt')

    const rows = await app.deps.db.select().from(importSchedules).where(eq(importSchedules.workspaceId, ws.workspaceId))
    t.equal(rows.length, 0, 'nothing was written')
  })

  t.test('an update re-registers the scheduler; deactivating and deleting remove it', async (t) => {
    const ws = await createWorkspace(app)
    const s = (await post(ws, folderSchedule)).json()
    const url = `/v1/import-schedules/${s.id}`

    let res = await patch(ws, url, { cron: '15 6 * * 1-5', timezone: 'America/New_York' }, { 'if-match': '"1"' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(await schedulerOf(s.id), { pattern: '15 6 * * 1-5', tz: 'America/New_York' })

    res = await patch(ws, url, { name: 'stale' }, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')

    res = await patch(ws, url, { cron: 'bad' })
    t.equal(assertFullProblem(t, res, 422, 'CRM_IMPORT_SCHEDULE_INVALID').errors[0].pointer, '/cron')
    t.match(await schedulerOf(s.id), { pattern: '15 6 * * 1-5' }, 'a refused change leaves the scheduler')

    res = await patch(ws, url, { isActive: false })
    t.equal(res.json().nextRunAt, null)
    t.equal(await schedulerOf(s.id), undefined, 'deactivated: no scheduler')

    res = await patch(ws, url, { isActive: true })
    t.match(await schedulerOf(s.id), { pattern: '15 6 * * 1-5', tz: 'America/New_York' }, 'reactivated')

    res = await patch(ws, url, { mode: 'upsert' })
    t.equal(res.json().upsertKey, 'email', 'upsert defaults its key')
    res = await patch(ws, url, { object: 'products' })
    t.equal(res.json().upsertKey, 'sku', 'a new object gets its own default key')
    res = await patch(ws, url, { mode: 'create' })
    t.equal(res.json().upsertKey, null, 'mode create drops the key')
    res = await patch(ws, url, { source: { type: 'url', url: 'https://a.example/p.csv' } })
    t.same(res.json().source, { type: 'url', url: 'https://a.example/p.csv' }, 'a source is replaced whole')

    res = await del(ws, url)
    t.equal(res.statusCode, 204)
    t.equal(await schedulerOf(s.id), undefined, 'deleted: no scheduler')
    assertFullProblem(t, await get(ws, url), 404, 'CRM_IMPORT_SCHEDULE_NOT_FOUND')
  })

  // The scheduler is taken away behind the API's back, so that only a sync
  // after a write brings it back: a failed write must leave it gone.
  t.test('the scheduler follows committed writes only, never a failed one', async (t) => {
    const ws = await createWorkspace(app)
    const s = (await post(ws, folderSchedule)).json()
    const url = `/v1/import-schedules/${s.id}`
    await queue.removeJobScheduler(`import-schedule:${s.id}`)
    t.equal(await schedulerOf(s.id), undefined, 'removed by hand')

    assertFullProblem(t, await patch(ws, url, { name: 'stale' }, { 'if-match': '"7"' }), 412, 'CRM_PRECONDITION_FAILED')
    assertFullProblem(t, await patch(ws, url, { cron: 'bad' }), 422, 'CRM_IMPORT_SCHEDULE_INVALID')
    const staleDelete = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"7"' } })
    assertFullProblem(t, staleDelete, 412, 'CRM_PRECONDITION_FAILED')
    t.equal(await schedulerOf(s.id), undefined, 'no failed update or delete synced the scheduler')

    // The sync reads the row from another connection: it sees the new cron
    // only once the update has committed.
    const res = await patch(ws, url, { cron: '30 4 * * *' })
    t.equal(res.statusCode, 200, res.body)
    t.match(await schedulerOf(s.id), { pattern: '30 4 * * *', tz: 'Europe/Berlin' }, 'a committed update synced it')
  })

  t.test('another workspace\'s schedule does not exist', async (t) => {
    const ws = await createWorkspace(app)
    const other = await createWorkspace(app)
    const s = (await post(ws, folderSchedule)).json()
    const url = `/v1/import-schedules/${s.id}`
    assertFullProblem(t, await get(other, url), 404, 'CRM_IMPORT_SCHEDULE_NOT_FOUND')
    assertFullProblem(t, await patch(other, url, { name: 'x' }), 404, 'CRM_IMPORT_SCHEDULE_NOT_FOUND')
    assertFullProblem(t, await post(other, {}, `${url}/run`), 404, 'CRM_IMPORT_SCHEDULE_NOT_FOUND')
    assertFullProblem(t, await del(other, url), 404, 'CRM_IMPORT_SCHEDULE_NOT_FOUND')
    t.ok(await schedulerOf(s.id), 'the scheduler is untouched')
  })

  t.test('only admins and managers change schedules; everyone reads them', async (t) => {
    const ws = await createWorkspace(app)
    const s = (await post(ws, folderSchedule)).json()
    const manager = await createUser(app, ws, 'manager')
    const sales = await createUser(app, ws, 'sales')
    t.equal((await post(manager, folderSchedule)).statusCode, 201)
    assertFullProblem(t, await post(sales, folderSchedule), 403, 'CRM_FORBIDDEN')
    assertFullProblem(t, await post(sales, {}, `/v1/import-schedules/${s.id}/run`), 403, 'CRM_FORBIDDEN')
    t.equal((await get(sales, `/v1/import-schedules/${s.id}`)).statusCode, 200)
  })

  t.test('run now answers 202 with a recorded job', async (t) => {
    const ws = await createWorkspace(app)
    const s = (await post(ws, { ...folderSchedule, isActive: false })).json()
    const res = await post(ws, {}, `/v1/import-schedules/${s.id}/run`)
    t.equal(res.statusCode, 202, res.body)
    const job = res.json()
    t.equal(res.headers.location, `/v1/jobs/${job.id}`)
    t.match(job, { type: 'import-schedule.run', status: 'queued' })
    const [row] = await app.deps.db.select().from(jobs).where(eq(jobs.id, job.id))
    t.same(row?.payload, { workspaceId: ws.workspaceId, scheduleId: s.id, requestedBy: ws.userId, trigger: 'request' })
    t.equal(row?.queue, 'imports')
    t.ok(row?.enqueuedAt, 'handed to BullMQ after the commit')
    const queued = await queue.getJob(job.id)
    t.equal(queued?.name, 'import-schedule.run')
    t.same(queued?.data, row?.payload)
    t.equal((await get(ws, `/v1/jobs/${job.id}`)).statusCode, 200)
  })
})
