import { createHash, randomUUID } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startImport } from '../../../src/modules/imports/imports.start.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace } from '../../fixtures/workspaces.js'
import { allRecords, errorsOf, importApp, parseCsv, runImport, upload, waitForImport } from './imports.helpers.js'

/**
 * POST /v1/imports and the reads of imports, against the real app, a real
 * in-process worker, PostgreSQL and Redis. The upload limit is lowered to
 * 4 KiB so the 413 path runs on a small body.
 */

const CSV = 'lastName,firstName,email\nLovelace,Ada,ada@example.com\n'

t.test('imports', async (t) => {
  const { app, deps, dataDir } = await importApp(t, { IMPORT_MAX_BYTES: '4096' })
  const filesDir = join(dataDir, 'imports-files')
  const storedFiles = async () => (await readdir(filesDir).catch(() => [])).length
  const a = await createWorkspace(app, 'Imports A')
  const b = await createWorkspace(app, 'Imports B')

  t.test('answers 202 with the import, its job as Location and itself as Content-Location', async (t) => {
    const res = await upload(a, { object: 'contacts' }, { name: 'people.csv', content: CSV })
    t.equal(res.statusCode, 202, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const body = res.json()
    t.equal(res.headers.location, `/v1/jobs/${body.jobId}`)
    t.equal(res.headers['content-location'], `/v1/imports/${body.id}`)
    t.match(body, {
      object: 'contacts',
      format: 'csv',
      mode: 'create',
      upsertKey: null,
      mapping: null,
      dryRun: false,
      status: 'queued',
      fileName: 'people.csv',
      fileSize: Buffer.byteLength(CSV),
      checksum: createHash('sha256').update(CSV).digest('hex'),
      scheduleId: null,
      rowsRead: 0,
      createdBy: a.userId
    })
    t.notOk('filePath' in body, 'the stored path is not shown')
    const job = await a.request({ method: 'GET', url: `/v1/jobs/${body.jobId}` })
    t.equal(job.statusCode, 200)
    t.equal(job.json().type, 'import.run')
    const done = await waitForImport(a, body.id)
    t.match(done, { status: 'succeeded', rowsRead: 1, rowsCreated: 1, rowsFailed: 0, error: null })
    t.type(done.startedAt, 'string')
    t.type(done.finishedAt, 'string')
    for (let i = 0; i < 200 && await storedFiles() > 0; i++) await new Promise((r) => setTimeout(r, 25))
    t.equal(await storedFiles(), 0, 'the file is removed once the import is over')
  })

  t.test('takes the file before the fields, and the format from a field or the content type', async (t) => {
    const first = await upload(a, { object: 'contacts', format: 'csv' }, { name: 'noext', content: CSV }, { fileFirst: true })
    t.equal(first.statusCode, 202, first.body)
    t.equal(first.json().format, 'csv')
    const typed = await upload(a, { object: 'leads' }, {
      name: 'leads', content: '{"lastName":"Hopper"}\n', type: 'application/x-ndjson'
    })
    t.equal(typed.statusCode, 202, typed.body)
    t.equal(typed.json().format, 'ndjson')
    const jsonl = await upload(a, { object: 'leads' }, { name: 'x.JSONL', content: '{"lastName":"Hopper"}\n' })
    t.equal(jsonl.json().format, 'ndjson')
    await waitForImport(a, first.json().id)
    await waitForImport(a, typed.json().id)
    await waitForImport(a, jsonl.json().id)
  })

  t.test('refuses bad fields with a pointer for each, keeping no file', async (t) => {
    const cases: [Record<string, string>, string | undefined, { pointer: string, message: RegExp }[]][] = [
      [{}, 'c.csv', [{ pointer: '/object', message: /is required/ }]],
      [{ object: 'cases' }, 'c.csv', [{ pointer: '/object', message: /must be one of accounts, contacts, leads, products/ }]],
      [{ object: 'contacts', mode: 'merge' }, 'c.csv', [{ pointer: '/mode', message: /must be one of create, upsert/ }]],
      [{ object: 'contacts', upsertKey: 'email' }, 'c.csv', [{ pointer: '/upsertKey', message: /only for mode upsert/ }]],
      [{ object: 'contacts', mode: 'upsert', upsertKey: 'phone' }, 'c.csv', [{ pointer: '/upsertKey', message: /must be one of email/ }]],
      [{ object: 'accounts', mode: 'upsert', upsertKey: 'email' }, 'c.csv', [{ pointer: '/upsertKey', message: /domain, name/ }]],
      [{ object: 'contacts', dryRun: 'yes' }, 'c.csv', [{ pointer: '/dryRun', message: /true or false/ }]],
      [{ object: 'contacts', format: 'xlsx' }, 'c.csv', [{ pointer: '/format', message: /csv, ndjson/ }]],
      [{ object: 'contacts' }, 'c.txt', [{ pointer: '/format', message: /is required when/ }]],
      [{ object: 'contacts', mapping: '{not json' }, 'c.csv', [{ pointer: '/mapping', message: /JSON object/ }]],
      [{ object: 'contacts', mapping: '["a"]' }, 'c.csv', [{ pointer: '/mapping', message: /JSON object/ }]],
      [{ object: 'contacts', mapping: '{"a":1}' }, 'c.csv', [{ pointer: '/mapping', message: /must map to a field/ }]],
      [{ object: 'contacts', mapping: '{"Surname":"surname","E/mail":"emails"}' }, 'c.csv', [
        { pointer: '/mapping/Surname', message: /must name a field of contacts: .*lastName/ },
        { pointer: '/mapping/E~1mail', message: /must name a field of contacts/ }
      ]],
      [{ object: 'contacts', mapping: '{"Address":"mailingAddress"}' }, 'c.csv', [
        { pointer: '/mapping/Address', message: /mailingAddress\.city/ }
      ]],
      [{ object: 'contacts', mapping: '{"A":"lastName","B":"lastName"}' }, 'c.csv', [
        { pointer: '/mapping/B', message: /gives lastName, which column "A" already gives/ }
      ]],
      [{ object: 'contacts', colour: 'red' }, 'c.csv', [{ pointer: '/colour', message: /not a known field/ }]],
      [{ object: 'contacts' }, undefined, [{ pointer: '/file', message: /is required/ }]]
    ]
    for (const [fields, name, errors] of cases) {
      const res = await upload(a, fields, name === undefined ? undefined : { name, content: CSV })
      const body = assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      t.match(body.errors, errors, JSON.stringify(fields))
      t.equal(body.errors.length, errors.length)
      t.equal(body.instance, '/v1/imports')
    }
    const empty = await upload(a, { object: 'contacts' }, { name: 'c.csv', content: '' })
    t.match(assertFullProblem(t, empty, 400, 'CRM_VALIDATION_ERROR').errors, [{ pointer: '/file', message: 'is empty' }])
    t.equal(await storedFiles(), 0, 'no refused upload left a file')
  })

  t.test('answers 415 to a body that is not multipart', async (t) => {
    const res = await a.request({ method: 'POST', url: '/v1/imports', payload: { object: 'contacts' } })
    const body = assertFullProblem(t, res, 415, 'CRM_UNSUPPORTED_MEDIA_TYPE')
    t.match(body.detail, /multipart\/form-data/)
    const json = await a.request({ method: 'POST', url: '/v1/contacts', payload: 'x', headers: { 'content-type': 'multipart/form-data; boundary=x' } })
    t.equal(json.statusCode, 415, 'other routes still refuse multipart')
  })

  t.test('answers 400 to a malformed multipart body', async (t) => {
    const bodies: [string, string][] = [
      ['multipart/form-data', 'no boundary at all'],
      ['multipart/form-data; boundary=zzz', 'garbage without any part'],
      ['multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\nlastName\nA\n']
    ]
    for (const [type, payload] of bodies) {
      const res = await a.request({ method: 'POST', url: '/v1/imports', payload, headers: { 'content-type': type } })
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
    t.equal(await storedFiles(), 0)
  })

  t.test('answers 413 past IMPORT_MAX_BYTES and keeps nothing', async (t) => {
    const before = (await a.request({ method: 'GET', url: '/v1/imports?limit=200' })).json().data.length
    const big = `lastName\n${'x'.repeat(5000)}\n`
    const res = await upload(a, { object: 'contacts' }, { name: 'big.csv', content: big })
    const body = assertFullProblem(t, res, 413, 'CRM_IMPORT_FILE_TOO_LARGE')
    t.match(body.detail, /larger than 4096 bytes/)
    t.equal(await storedFiles(), 0, 'no partial file')
    const after = (await a.request({ method: 'GET', url: '/v1/imports?limit=200' })).json().data.length
    t.equal(after, before, 'no import recorded')
  })

  t.test('needs the right to write the collection', async (t) => {
    const readonly = await createUser(app, a, 'readonly')
    const denied = await upload(readonly, { object: 'contacts' }, { name: 'c.csv', content: CSV })
    assertFullProblem(t, denied, 403, 'CRM_FORBIDDEN')
    const support = await createUser(app, a, 'support')
    const leads = await upload(support, { object: 'leads' }, { name: 'l.csv', content: CSV }, { fileFirst: true })
    const body = assertFullProblem(t, leads, 403, 'CRM_FORBIDDEN')
    t.equal(body.detail, 'the support role may not change leads')
    const marketing = await createUser(app, a, 'marketing')
    assertFullProblem(t, await upload(marketing, { object: 'products' }, { name: 'p.csv', content: CSV }), 403, 'CRM_FORBIDDEN')
    t.equal(await storedFiles(), 0)
    const allowed = await upload(support, { object: 'accounts' }, { name: 'a.csv', content: 'name\nAcme\n' })
    t.equal(allowed.statusCode, 202, allowed.body)
    await waitForImport(support, allowed.json().id)
    const noAuth = await app.inject({ method: 'POST', url: '/v1/imports' })
    assertFullProblem(t, noAuth, 401, 'CRM_UNAUTHORIZED')
  })

  t.test('lists the workspace\'s imports newest first, page by page', async (t) => {
    const ws = await createWorkspace(app, 'Imports list')
    const ids: string[] = []
    for (const object of ['contacts', 'leads', 'contacts']) {
      const done = await runImport(ws, { object }, { name: 'x.csv', content: 'lastName\nA\n' })
      ids.unshift(done.id)
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const url: string = `/v1/imports?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`
      const res = await ws.request({ method: 'GET', url })
      t.equal(res.statusCode, 200, res.body)
      const page = res.json()
      t.equal(page.data.length, 1)
      seen.push(...page.data.map((i: { id: string }) => i.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    t.same(seen, ids)
    const leads = await ws.request({ method: 'GET', url: '/v1/imports?object=leads&status=succeeded' })
    t.same(leads.json().data.map((i: { id: string }) => i.id), [ids[1]])
    const bad = await ws.request({ method: 'GET', url: '/v1/imports?cursor=bm9wZQ' })
    assertFullProblem(t, bad, 400, 'CRM_BAD_REQUEST')
    const other = await b.request({ method: 'GET', url: '/v1/imports?limit=200' })
    t.notOk(other.json().data.some((i: { id: string }) => ids.includes(i.id)), 'another workspace sees none')
  })

  t.test('an import of another workspace does not exist', async (t) => {
    const done = await runImport(a, { object: 'contacts' }, { name: 'x.csv', content: 'lastName,email\nA,bad\n' })
    for (const url of [`/v1/imports/${done.id}`, `/v1/imports/${done.id}/errors`]) {
      const res = await b.request({ method: 'GET', url })
      const body = assertFullProblem(t, res, 404, 'CRM_IMPORT_NOT_FOUND')
      t.equal(body.detail, `No import with id ${done.id}`)
    }
    const own = await errorsOf(a, done.id)
    t.equal(own.statusCode, 200)
  })

  t.test('serves failed rows as CSV with formula cells neutralised', async (t) => {
    const hostile = [
      'lastName,email',
      '=HYPERLINK("http://evil.example"),not-an-email',
      '+SUM(A1),bad',
      '-2+3,bad',
      '@cmd,bad',
      '"\tTabbed",bad',
      'Fine,fine@example.com'
    ].join('\r\n')
    const done = await runImport(a, { object: 'contacts' }, { name: 'h.csv', content: hostile })
    t.match(done, { rowsRead: 6, rowsCreated: 1, rowsFailed: 5 })
    const res = await errorsOf(a, done.id)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
    t.match(res.headers['content-disposition'], /^attachment; filename="import-.*-errors\.csv"$/)
    const rows = parseCsv(res.body)
    t.same(rows[0], ['rowNumber', 'reason', 'raw'])
    t.same(rows.slice(1).map((r) => r[0]), ['1', '2', '3', '4', '5'])
    t.same(rows.slice(1).map((r) => r[1]), Array(5).fill('email must match format "email"'))
    t.same(rows.slice(1).map((r) => r[2]), [
      '"=HYPERLINK(""http://evil.example"")",not-an-email',
      '\'+SUM(A1),bad',
      '\'-2+3,bad',
      '\'@cmd,bad',
      '\'\tTabbed,bad'
    ])
    for (const row of rows.slice(1)) t.notOk(/^[=+\-@\t\r]/.test(row[2] as string), 'no cell starts a formula')
  })

  t.test('startImport answers a schedule\'s earlier import of the same file', async (t) => {
    const scheduleId = randomUUID()
    const input = {
      workspaceId: a.workspaceId,
      createdBy: a.userId,
      object: 'contacts' as const,
      format: 'csv' as const,
      mode: 'upsert' as const,
      dryRun: false,
      fileName: 'gone.csv',
      filePath: join(dataDir, 'no-such-file.csv'),
      fileSize: 10,
      checksum: 'a'.repeat(64),
      scheduleId
    }
    const first = await startImport(deps, input)
    t.match(first, { duplicate: false, import: { scheduleId, upsertKey: 'email', status: 'queued' } })
    t.ok(first.job)
    const again = await startImport(deps, input)
    t.match(again, { duplicate: true, job: null, import: { id: first.import.id } })
    const done = await waitForImport(a, first.import.id)
    t.match(done, { status: 'failed', error: 'the file of this import is no longer there', rowsRead: 0 })
  })

  t.test('a dry run counts and reports but writes nothing', async (t) => {
    const ws = await createWorkspace(app, 'Imports dry run')
    const csv = 'lastName,email\nA,a@example.com\nB,bad\nC,c@example.com\n'
    const dry = await runImport(ws, { object: 'contacts', dryRun: 'true' }, { name: 'd.csv', content: csv })
    t.match(dry, { status: 'succeeded', dryRun: true, rowsRead: 3, rowsCreated: 2, rowsFailed: 1 })
    t.same(await allRecords(ws, 'contacts'), [], 'no contact written')
    const errors = parseCsv((await errorsOf(ws, dry.id)).body)
    t.same(errors.slice(1).map((r) => r[0]), ['2'])
    const upsert = await runImport(ws, { object: 'contacts', mode: 'upsert', dryRun: 'true' }, { name: 'd.csv', content: csv })
    t.match(upsert, { rowsCreated: 2, rowsUpdated: 0, rowsFailed: 1 })
    t.same(await allRecords(ws, 'contacts'), [])
  })
})
