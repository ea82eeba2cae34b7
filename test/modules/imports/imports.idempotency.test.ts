import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import t from 'tap'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { type FilePart, form, importApp, waitForImport } from './imports.helpers.js'

/**
 * Idempotency-Key on POST /v1/imports: the key is claimed once the upload
 * is read, the upload being known by its fields, file name and checksum.
 * Against the real app, worker, PostgreSQL and Redis.
 */

const CSV = 'lastName,firstName,email\nLovelace,Ada,ada@example.com\n'
const FILE: FilePart = { name: 'people.csv', content: CSV }

t.test('imports with Idempotency-Key', async (t) => {
  const { app, deps, dataDir } = await importApp(t)
  const filesDir = join(dataDir, 'imports-files')
  const pool = deps.database.pool

  const send = (ws: TestWorkspace, key: string, fields: Record<string, string>, file: FilePart = FILE) => {
    const { payload, headers } = form(fields, file)
    return ws.request({ method: 'POST', url: '/v1/imports', payload, headers: { ...headers, 'idempotency-key': key } })
  }
  const count = async (sql: string, workspaceId: string) =>
    (await pool.query<{ n: number }>(sql, [workspaceId])).rows[0]?.n
  const importsOf = (ws: TestWorkspace) =>
    count('select count(*)::int as n from imports where workspace_id = $1', ws.workspaceId)
  const jobsOf = (ws: TestWorkspace) =>
    count("select count(*)::int as n from jobs where workspace_id = $1 and name = 'import.run'", ws.workspaceId)
  // Files under the import folder that no import names: a retry must leave none.
  const strayFiles = async () => {
    const kept = (await pool.query<{ file_path: string }>('select file_path from imports')).rows
      .map((r) => basename(r.file_path))
    const present = await readdir(filesDir).catch(() => [] as string[])
    return present.filter((name) => !kept.includes(name))
  }

  t.test('a retry of the same upload replays the first answer and imports once', async (t) => {
    const ws = await createWorkspace(app, 'Idempotent imports replay')
    const first = await send(ws, 'upload-1', { object: 'contacts' })
    t.equal(first.statusCode, 202, first.body)
    t.equal(first.headers['idempotent-replayed'], undefined)
    const body = first.json()

    const retry = await send(ws, 'upload-1', { object: 'contacts' })
    t.equal(retry.statusCode, 202, retry.body)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.body, first.body, 'the same body')
    t.equal(retry.json().id, body.id, 'the same import')
    t.equal(retry.headers.location, `/v1/jobs/${body.jobId}`)
    t.equal(retry.headers['content-location'], `/v1/imports/${body.id}`)
    t.match(retry.headers['content-type'], /^application\/json/)

    // A field left out is its default: spelling the default is the same upload.
    const spelled = await send(ws, 'upload-1', { object: 'contacts', mode: 'create', dryRun: 'false', format: 'csv' })
    t.equal(spelled.statusCode, 202, spelled.body)
    t.equal(spelled.headers['idempotent-replayed'], 'true')
    t.equal(spelled.json().id, body.id)

    t.equal(await importsOf(ws), 1, 'one import')
    t.equal(await jobsOf(ws), 1, 'one job')
    t.same(await strayFiles(), [], 'the retries kept no file')
    const done = await waitForImport(ws, body.id)
    t.equal(done.rowsCreated, 1)
    const contacts = await ws.request({ method: 'GET', url: '/v1/contacts' })
    t.equal(contacts.json().data.length, 1, 'the rows were imported once')
  })

  t.test('the same key with another file or other fields answers 422 and keeps nothing', async (t) => {
    const ws = await createWorkspace(app, 'Idempotent imports reuse')
    const first = await send(ws, 'upload-2', { object: 'contacts' })
    t.equal(first.statusCode, 202, first.body)
    const others: [string, Record<string, string>, FilePart][] = [
      ['another file', { object: 'contacts' },
        { name: 'people.csv', content: `${CSV}Hopper,Grace,grace@example.com\n` }],
      ['another file name', { object: 'contacts' }, { name: 'other.csv', content: CSV }],
      ['another object', { object: 'leads' }, FILE],
      ['a dry run', { object: 'contacts', dryRun: 'true' }, FILE],
      ['another mode', { object: 'contacts', mode: 'upsert' }, FILE],
      ['a mapping', { object: 'contacts', mapping: '{"lastName":"lastName"}' }, FILE]
    ]
    for (const [what, fields, file] of others) {
      const res = await send(ws, 'upload-2', fields, file)
      const problem = assertFullProblem(t, res, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
      t.equal(problem.instance, '/v1/imports', what)
      t.equal(res.headers['idempotent-replayed'], undefined, what)
    }
    t.equal(await importsOf(ws), 1, 'no new import')
    t.equal(await jobsOf(ws), 1, 'no new job')
    t.same(await strayFiles(), [], 'no refused upload left a file')

    const fresh = await send(ws, 'upload-3', { object: 'leads' })
    t.equal(fresh.statusCode, 202, 'another key is another import')
    t.equal(await importsOf(ws), 2)
    await waitForImport(ws, first.json().id)
    await waitForImport(ws, fresh.json().id)
  })

  t.test('an upload refused while it is read does not take the key', async (t) => {
    const ws = await createWorkspace(app, 'Idempotent imports refusal')
    const refused = await send(ws, 'upload-4', { object: 'cases' })
    assertFullProblem(t, refused, 400, 'CRM_VALIDATION_ERROR')
    const again = await send(ws, 'upload-4', { object: 'cases' })
    assertFullProblem(t, again, 400, 'CRM_VALIDATION_ERROR')
    t.equal(again.headers['idempotent-replayed'], undefined, 'checked afresh, not replayed')
    const fixed = await send(ws, 'upload-4', { object: 'contacts' })
    t.equal(fixed.statusCode, 202, fixed.body)
    t.equal(fixed.headers['idempotent-replayed'], undefined)
    await waitForImport(ws, fixed.json().id)
  })

  t.test('the key must be 1 to 255 characters', async (t) => {
    const ws = await createWorkspace(app, 'Idempotent imports key')
    const res = await send(ws, 'k'.repeat(256), { object: 'contacts' })
    const problem = assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(problem.errors[0].pointer, 'idempotency-key')
    t.equal(await importsOf(ws), 0)
  })

  t.test('a retry while the first upload is being recorded answers 409', async (t) => {
    const ws = await createWorkspace(app, 'Idempotent imports running')
    // Hold the first request after its claim: recording the import waits for this lock.
    const client = await pool.connect()
    await client.query('begin')
    await client.query('lock table imports in exclusive mode')
    let locked = true
    t.teardown(async () => {
      if (locked) await client.query('rollback')
      client.release()
    })
    const first = send(ws, 'upload-5', { object: 'contacts' })
    // Wait until the first request holds the key (bounded), however slow the machine.
    let held = false
    for (let i = 0; i < 200 && !held; i++) {
      const rows = await pool.query(
        "select 1 from idempotency_keys where key = 'upload-5' and state = 'running' and workspace_id = $1",
        [ws.workspaceId]
      )
      held = rows.rowCount === 1
      if (!held) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    t.ok(held, 'the first request holds the key')
    const second = await send(ws, 'upload-5', { object: 'contacts' })
    assertFullProblem(t, second, 409, 'CRM_IDEMPOTENCY_IN_PROGRESS')
    // The first upload's import is not committed yet, so its file is the one stray file.
    const during = await strayFiles()
    t.equal(during.length, 1, 'only the first upload\'s file is kept')

    await client.query('rollback')
    locked = false
    const answered = await first
    t.equal(answered.statusCode, 202, answered.body)
    const body = answered.json()
    const stored = await pool.query<{ file_path: string }>('select file_path from imports where id = $1', [body.id])
    t.same(during, [basename(stored.rows[0]?.file_path ?? '')], 'the kept file is the first upload\'s')
    const retry = await send(ws, 'upload-5', { object: 'contacts' })
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.json().id, body.id)
    t.equal(await importsOf(ws), 1)
    t.equal(await jobsOf(ws), 1)
    await waitForImport(ws, body.id)
  })
})
