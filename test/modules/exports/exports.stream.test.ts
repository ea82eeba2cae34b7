import { createHash } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { buildApp } from '../../../src/app.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestDeps } from '../../helper.js'

/**
 * Large exports over a real HTTP connection (inject would buffer the whole
 * body): every row arrives in order, memory stays flat, a client that goes
 * away stops the query loop, and a database failure after the first byte
 * cuts the connection instead of pretending the file is complete. The app
 * logs into the test, so what it logged is asserted too.
 */

const ROWS = 30_000

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

interface LogLine {
  level: number
  msg: string
  rows?: number
  reqId?: string
  res?: { statusCode?: number }
  [key: string]: unknown
}

/** The app, logging at info into an array the test reads and waits on. */
async function buildLoggedApp (t: Pick<Test, 'teardown'>) {
  const deps = await buildTestDeps(t)
  const lines: LogLine[] = []
  const events = new EventEmitter()
  const sink = new Writable({
    write (chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as LogLine
        lines.push(line)
        events.emit('line', line)
      }
      done()
    }
  })
  const logger = pino({ level: 'info' }, sink)
  const app = await buildApp({ ...deps, logger })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const waitFor = async (match: (line: LogLine) => boolean) => {
    const seen = lines.find(match)
    if (seen !== undefined) return seen
    for (;;) {
      const [line] = (await once(events, 'line')) as [LogLine]
      if (match(line)) return line
    }
  }
  return { app, lines, waitFor, base: `http://127.0.0.1:${port}` }
}

/** `count` cases for the workspace in one statement, newest first by number. */
async function insertCases (app: FastifyInstance, ws: TestWorkspace, count: number) {
  await app.deps.db.execute(sql`
    insert into cases (workspace_id, number, subject, description, status, priority, owner_id,
      first_response_due_at, resolution_due_at, created_at, updated_at)
    select ${ws.workspaceId}::uuid, g, 'Case number ' || g, 'A description, "quoted", of case ' || g,
      'new', (array['low', 'normal', 'high', 'urgent'])[1 + g % 4], ${ws.userId}::uuid,
      now() + interval '1 day', now() + interval '3 days',
      now() - g * interval '1 millisecond', now() - g * interval '1 millisecond'
    from generate_series(1, ${count}) g
  `)
}

/** The ids of the workspace's live cases in the export's default order, hashed. */
async function expectedIdHash (app: FastifyInstance, ws: TestWorkspace) {
  const result = await app.deps.db.execute(sql`
    select id from cases where workspace_id = ${ws.workspaceId}::uuid and deleted_at is null
    order by created_at desc, id desc
  `)
  const hash = createHash('sha256')
  for (const row of result.rows as { id: string }[]) hash.update(`${row.id}\n`)
  return { hash: hash.digest('hex'), count: result.rows.length }
}

/** A GET over HTTP as the workspace; resolves with the response, still unread. */
function get (base: string, ws: TestWorkspace, path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${ws.token}` } }, resolve)
    req.on('error', reject)
  })
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

// One app for the file; each test makes its own workspace and reads the log from its start.
const { app, lines, waitFor, base } = await buildLoggedApp(t)

t.test('a large export streams every row in order, in flat memory', async (t) => {
  lines.length = 0
  const ws = await createWorkspace(app)
  await insertCases(app, ws, ROWS)
  const expected = await expectedIdHash(app, ws)
  t.equal(expected.count, ROWS)

  for (const format of ['ndjson', 'csv'] as const) {
    gc()
    const before = process.memoryUsage().heapUsed
    // heapUsed right after a full collection is what is held; the peak
    // without one also counts garbage not yet collected.
    let peak = before
    let retained = before
    let chunks = 0
    let bytes = 0
    let records = 0
    let pending = ''
    const hash = createHash('sha256')
    const res = await get(base, ws, `/v1/cases/export?format=${format}`)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['transfer-encoding'], 'chunked', `${format}: streamed, not buffered`)
    let isHeader = format === 'csv'
    res.setEncoding('utf8')
    for await (const chunk of res as AsyncIterable<string>) {
      bytes += Buffer.byteLength(chunk)
      peak = Math.max(peak, process.memoryUsage().heapUsed)
      if (++chunks % 25 === 0) {
        gc()
        retained = Math.max(retained, process.memoryUsage().heapUsed)
      }
      // The rows hold no line breaks, so each line is a record (CRLF for CSV).
      const parts = (pending + chunk).split(format === 'csv' ? '\r\n' : '\n')
      pending = parts.pop() ?? ''
      for (const line of parts) {
        if (isHeader) { isHeader = false; continue }
        const id = format === 'csv' ? line.slice(0, 36) : (JSON.parse(line) as { id: string }).id
        hash.update(`${id}\n`)
        records++
      }
    }
    t.equal(pending, '', `${format}: the body ends with a complete line`)
    t.equal(records, ROWS, `${format}: every row arrived`)
    t.equal(hash.digest('hex'), expected.hash, `${format}: the ids of the database, in order`)
    t.comment(`${format}: ${mb(bytes)} in ${chunks} chunks; heap ${mb(before)} before, ` +
      `held at most +${mb(retained - before)} (after collections), peak +${mb(peak - before)}`)
    // Lenient: holding the whole file, or its records, would hold more than the body itself.
    t.ok(retained - before < Math.max(16 * 1024 * 1024, bytes / 2), `${format}: memory held stays flat`)
  }
  const finished = lines.filter((l) => l.msg === 'export finished')
  t.same(finished.map((l) => l.rows), [ROWS, ROWS], 'each export logged as finished with its rows')
  t.notOk(lines.some((l) => l.level >= 50), 'nothing logged at error level')
})

t.test('a client that goes away stops the query loop', async (t) => {
  lines.length = 0
  const ws = await createWorkspace(app)
  await insertCases(app, ws, ROWS)

  const res = await get(base, ws, '/v1/cases/export')
  t.equal(res.statusCode, 200)
  await once(res, 'data')
  res.destroy()

  const stopped = await waitFor((l) => l.msg === 'export stopped: the client went away')
  t.ok(typeof stopped.rows === 'number' && stopped.rows < ROWS,
    `stopped after ${stopped.rows} of ${ROWS} rows`)
  t.comment(`the export stopped after ${stopped.rows} rows`)
  // Long enough for a loop that kept going to read several more pages.
  await sleep(1000)
  t.notOk(lines.some((l) => l.msg === 'export finished'), 'it never ran to the end')
  t.notOk(lines.some((l) => l.level >= 50), 'nothing logged at error level')
  const completed = lines.filter((l) => l.res?.statusCode !== undefined)
  t.notOk(completed.some((l) => (l.res?.statusCode ?? 0) >= 500), 'no 5xx logged')
})

t.test('a failure after the first byte cuts the connection', async (t) => {
  lines.length = 0
  const ws = await createWorkspace(app)
  // More than socket buffers hold, so that the server is still reading pages when the client pauses.
  await insertCases(app, ws, 20_000)
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'export-test' })
  await admin.connect()
  t.teardown(() => admin.end())

  const res = await get(base, ws, '/v1/cases/export?format=ndjson')
  t.equal(res.statusCode, 200)
  res.pause()
  // While the client does not read, the server stops asking for pages;
  // the lock then holds the next page's query until it is cancelled.
  await admin.query('begin')
  await admin.query('lock table cases in access exclusive mode')
  let received = ''
  let ended = false
  let failure: (Error & { code?: string }) | undefined
  res.setEncoding('utf8')
  res.on('data', (chunk: string) => { received += chunk })
  res.on('end', () => { ended = true })
  res.on('error', (err) => { failure = err })
  const closed = new Promise((resolve) => res.on('close', resolve))
  res.resume()
  let blocked: number | undefined
  for (let i = 0; i < 200 && blocked === undefined; i++) {
    const found = await admin.query(`
      select pid from pg_stat_activity
      where wait_event_type = 'Lock' and query like '%from "cases"%' and pid <> pg_backend_pid()
    `)
    blocked = found.rows[0]?.pid as number | undefined
    if (blocked === undefined) await sleep(25)
  }
  t.type(blocked, 'number', 'the next page waits on the lock')
  await admin.query('select pg_cancel_backend($1)', [blocked])
  await admin.query('rollback')

  const failed = await waitFor((l) => l.msg === 'export failed after it started; the response is cut short')
  t.equal(failed.level, 50, 'logged at error level, with the error')
  t.ok(failed.err, 'the error is in the log')
  await closed
  t.notOk(ended, 'the body never ended cleanly')
  t.equal(res.complete, false, 'the client sees an incomplete response')
  t.equal(failure?.code, 'ECONNRESET', 'and an aborted connection')
  const arrived = received.split('\n')
  t.ok(arrived.length - 1 < 20_000, `only ${arrived.length - 1} of 20000 lines arrived`)
  t.doesNotThrow(() => arrived.slice(0, -1).map((l) => JSON.parse(l)), 'what arrived is whole records')
})
