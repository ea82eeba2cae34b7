import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { createCampaign } from '../../fixtures/campaigns.js'
import { createCase } from '../../fixtures/cases.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { walkList } from '../../fixtures/lists.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createProduct } from '../../fixtures/products.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import {
  COLLECTIONS, expectedHeader, expectedRows, parseCsv, parseNdjson
} from './export-oracle.js'

/**
 * GET /v1/{collection}/export against the real database: every live record
 * of the caller's workspace and nothing else, field by field equal to what
 * the list shows, in CSV and NDJSON, with the list's filters, q and sort.
 */

const FILENAME = (plural: string, ext: string) =>
  new RegExp(`^attachment; filename="${plural}-\\d{4}-\\d{2}-\\d{2}\\.${ext}"$`)

/** A few records of every collection, with nulls, addresses, money, booleans and awkward text. */
async function seed (ws: TestWorkspace, tag: string) {
  const account = await ws.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: {
      name: `${tag} Acme, "the" company`,
      type: 'customer',
      industry: 'Manufacturing',
      phone: '+49 30 1234567',
      annualRevenue: '1250000',
      numberOfEmployees: 120,
      billingAddress: { street: 'Hauptstr. 1\nHinterhaus', city: 'Berlin', country: 'DE' },
      description: 'line one\r\nline two, with "quotes"'
    }
  })
  const accountId = account.json().id as string
  await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: `${tag} Globex` } })
  await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: `=HYPERLINK("x") ${tag}`, type: 'partner' }
  })
  await createContact(ws, { accountId, doNotCall: true, mailingAddress: { city: 'München' } })
  await createContact(ws, { firstName: null, lastName: `${tag} Ünïcødé 😀` })
  await createLead(ws, { estimatedAmount: '99.50', address: { country: 'FR' }, email: null })
  await createLead(ws, { lastName: '@SUM(1,2)', company: null })
  await createOpportunity(ws, { accountId, amount: '5000.00', closeDate: '2027-01-31' })
  await createOpportunity(ws, { accountId, name: '-2+3' })
  await createProduct(ws, { name: `${tag} Widget`, sku: `W-${tag}`, unitPrice: '12.30', isActive: false })
  await createProduct(ws, { name: `${tag} Gadget` })
  await createCase(ws, { accountId, priority: 'high' })
  await createCase(ws, { subject: '\tTabbed subject' })
  await createCampaign(ws, { budget: '1000.00', startDate: '2027-02-01' })
  await createCampaign(ws, { name: `${tag} Autumn`, type: 'webinar' })
  // A deleted record must not be exported.
  const gone = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: `${tag} Gone` } })
  await ws.request({ method: 'DELETE', url: `/v1/accounts/${gone.json().id}` })
}

async function liveIds (app: FastifyInstance, table: string, workspaceId: string) {
  const result = await app.deps.db.execute(sql`
    select id from ${sql.identifier(table)}
    where workspace_id = ${workspaceId}::uuid and deleted_at is null
  `)
  return (result.rows as { id: string }[]).map((r) => r.id).sort()
}

// One app for the file; every test makes its own workspaces.
const app = await buildTestApp(t)

t.test('exports every live record of the workspace, equal to the list', async (t) => {
  const a = await createWorkspace(app, 'Export A')
  const b = await createWorkspace(app, 'Export B')
  await seed(a, 'A')
  await seed(b, 'B')

  for (const { plural, component, table } of COLLECTIONS) {
    const list = await walkList(a, `/v1/${plural}`, 200)
    const inDatabase = await liveIds(app, table, a.workspaceId)
    const other = new Set(await liveIds(app, table, b.workspaceId))
    t.ok(list.items.length >= 2, `${plural}: seeded`)
    t.same([...list.ids].sort(), inDatabase, `${plural}: the list is the database`)

    const ndjson = await a.request({ method: 'GET', url: `/v1/${plural}/export?format=ndjson` })
    t.equal(ndjson.statusCode, 200, ndjson.body)
    t.equal(ndjson.headers['content-type'], 'application/x-ndjson')
    t.match(ndjson.headers['content-disposition'], FILENAME(plural, 'ndjson'))
    t.equal(ndjson.headers['cache-control'], 'no-store')
    const records = parseNdjson(ndjson.body)
    t.same(records, list.items, `${plural}: NDJSON equals the list, field by field`)
    t.notOk(records.some((r) => other.has(r.id as string)), `${plural}: nothing of workspace B`)

    const csv = await a.request({ method: 'GET', url: `/v1/${plural}/export?format=csv` })
    t.equal(csv.statusCode, 200, csv.body)
    t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
    t.match(csv.headers['content-disposition'], FILENAME(plural, 'csv'))
    t.notOk(csv.body.startsWith('\ufeff'), `${plural}: no byte order mark by default`)
    t.ok(csv.body.endsWith('\r\n'), `${plural}: CRLF after the last record`)
    const [header, ...rows] = parseCsv(csv.body)
    const columns = expectedHeader(app, component)
    t.same(header, columns, `${plural}: the header is the record's fields in schema order`)
    t.same(rows, expectedRows(columns, list.items), `${plural}: CSV cells equal the list`)

    const byDefault = await a.request({ method: 'GET', url: `/v1/${plural}/export` })
    t.equal(byDefault.body, csv.body, `${plural}: CSV is the default`)
  }
})

t.test('flattens addresses and writes the documented cell forms', async (t) => {
  const ws = await createWorkspace(app)
  const created = await ws.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: {
      name: 'Acme',
      phone: '+1 555 0100',
      numberOfEmployees: 7,
      billingAddress: { city: 'Berlin, Mitte', country: 'DE' }
    }
  })
  const account = created.json()
  const res = await ws.request({ method: 'GET', url: '/v1/accounts/export' })
  const [header, row] = parseCsv(res.body) as [string[], string[]]
  const cell = (name: string) => row[header.indexOf(name)]
  t.equal(cell('billingAddress.city'), 'Berlin, Mitte')
  t.equal(cell('billingAddress.street'), '', 'a null part is an empty cell')
  t.equal(cell('shippingAddress.city'), '', 'a null address leaves its columns empty')
  t.equal(cell('phone'), "'+1 555 0100", 'a leading + is neutralized')
  t.equal(cell('numberOfEmployees'), '7')
  t.equal(cell('version'), '1')
  t.equal(cell('createdAt'), account.createdAt)
  t.notOk(header.includes('billingAddress'), 'no column for the whole address')
  t.match(res.body, /"Berlin, Mitte"/, 'a comma is quoted')

  const contact = await createContact(ws, { doNotCall: true })
  const contacts = await ws.request({ method: 'GET', url: '/v1/contacts/export' })
  const [cHeader, cRow] = parseCsv(contacts.body) as [string[], string[]]
  t.equal(cRow[cHeader.indexOf('id')], contact.id)
  t.equal(cRow[cHeader.indexOf('doNotCall')], 'true')
  t.equal(cRow[cHeader.indexOf('emailOptOut')], 'false')

  const withBom = await ws.request({ method: 'GET', url: '/v1/accounts/export?bom=true' })
  t.ok(withBom.body.startsWith('\ufeffid,'), 'bom=true starts with a byte order mark')
  t.same(parseCsv(withBom.body, { bom: true }), parseCsv(res.body), 'and holds the same CSV')
  const ndjsonBom = await ws.request({ method: 'GET', url: '/v1/accounts/export?format=ndjson&bom=true' })
  t.ok(ndjsonBom.body.startsWith('{'), 'NDJSON never has a byte order mark')
})

t.test('an empty selection is a header only, or an empty NDJSON body', async (t) => {
  const ws = await createWorkspace(app)
  const csv = await ws.request({ method: 'GET', url: '/v1/products/export' })
  t.equal(csv.statusCode, 200)
  t.same(parseCsv(csv.body), [expectedHeader(app, 'Product')])
  const ndjson = await ws.request({ method: 'GET', url: '/v1/products/export?format=ndjson' })
  t.equal(ndjson.statusCode, 200)
  t.equal(ndjson.body, '')
})

t.test('honours the filters, q and sort of the list', async (t) => {
  const ws = await createWorkspace(app)
  const names = ['Delta', 'alpha', 'Charlie', 'bravo', 'Echo', 'Foxtrot']
  for (const [i, name] of names.entries()) {
    await ws.request({
      method: 'POST',
      url: '/v1/accounts',
      payload: {
        name: `${name} industries`,
        type: i % 2 === 0 ? 'customer' : 'partner',
        annualRevenue: String(i * 1000),
        numberOfEmployees: i % 3 === 0 ? null : i * 10
      }
    })
  }
  const queries = [
    'type=customer',
    'type=customer,partner&sort=name',
    'sort=-name',
    'sort=numberOfEmployees,-createdAt',
    'annualRevenueMin=2000&annualRevenueMax=4000&sort=annualRevenue',
    'q=charlie',
    'q=industries&type=partner&sort=-annualRevenue',
    'type=prospect'
  ]
  for (const query of queries) {
    const list = await walkList(ws, `/v1/accounts?${query}`, 2)
    const res = await ws.request({ method: 'GET', url: `/v1/accounts/export?format=ndjson&${query}` })
    t.equal(res.statusCode, 200, res.body)
    t.same(parseNdjson(res.body), list.items, `${query}: the same records in the same order`)
  }
  const sorted = await ws.request({ method: 'GET', url: '/v1/accounts/export?sort=name' })
  const [header, ...rows] = parseCsv(sorted.body)
  const name = (header as string[]).indexOf('name')
  const listed = await walkList(ws, '/v1/accounts?sort=name', 200)
  t.equal(rows.length, names.length)
  t.same(rows.map((r) => r[name]), listed.items.map((i) => i.name),
    'sort=name orders the CSV rows as the list does')
})

t.test('isOverdue of cases uses one instant for the filter and the field', async (t) => {
  const ws = await createWorkspace(app)
  const late = await createCase(ws, { subject: 'Late' })
  await createCase(ws, { subject: 'On time' })
  await app.deps.db.execute(sql`
    update cases set first_response_due_at = now() - interval '1 hour',
      resolution_due_at = now() - interval '1 minute'
    where id = ${late.id}::uuid
  `)
  for (const value of [true, false]) {
    const list = await walkList(ws, `/v1/cases?isOverdue=${value}`, 200)
    const res = await ws.request({ method: 'GET', url: `/v1/cases/export?format=ndjson&isOverdue=${value}` })
    const records = parseNdjson(res.body)
    t.same(records, list.items, `isOverdue=${value}: as the list`)
    t.equal(records.length, 1)
    t.ok(records.every((r) => r.isOverdue === value), `isOverdue=${value}: every field agrees`)
  }
  const overdue = await ws.request({ method: 'GET', url: '/v1/cases/export?format=ndjson&isOverdue=true' })
  t.equal(parseNdjson(overdue.body)[0]?.id, late.id, 'the overdue one is the late case')
})

t.test('refuses a bad query with a problem before anything is streamed', async (t) => {
  const ws = await createWorkspace(app)
  await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Acme' } })
  const cases: [string, string, string][] = [
    ['/v1/accounts/export?type=bogus', 'CRM_VALIDATION_ERROR', 'type'],
    ['/v1/accounts/export?sort=website', 'CRM_VALIDATION_ERROR', 'sort'],
    ['/v1/accounts/export?sort=name,name', 'CRM_BAD_REQUEST', 'sort'],
    ['/v1/accounts/export?format=xlsx', 'CRM_VALIDATION_ERROR', 'format'],
    ['/v1/accounts/export?limit=10', 'CRM_VALIDATION_ERROR', 'limit'],
    ['/v1/accounts/export?cursor=abc', 'CRM_VALIDATION_ERROR', 'cursor'],
    ['/v1/accounts/export?createdAtFrom=yesterday', 'CRM_VALIDATION_ERROR', 'createdAtFrom'],
    ['/v1/contacts/export?q=', 'CRM_VALIDATION_ERROR', 'q'],
    ['/v1/cases/export?isOverdue=maybe', 'CRM_VALIDATION_ERROR', 'isOverdue']
  ]
  for (const [url, code, pointer] of cases) {
    const res = await ws.request({ method: 'GET', url })
    const body = assertFullProblem(t, res, 400, code)
    t.equal(res.headers['content-disposition'], undefined, `${url}: no attachment`)
    t.same(body.errors?.map((e: { pointer: string }) => e.pointer), [pointer], `${url}: names ${pointer}`)
  }
})

t.test('needs credentials; every role may read', async (t) => {
  const ws = await createWorkspace(app)
  await ws.request({ method: 'POST', url: '/v1/campaigns', payload: { name: 'Spring', type: 'email' } })
  const anonymous = await app.inject({ method: 'GET', url: '/v1/campaigns/export' })
  assertFullProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
  const readonly = await createUser(app, ws, 'readonly')
  const res = await readonly.request({ method: 'GET', url: '/v1/campaigns/export?format=ndjson' })
  t.equal(res.statusCode, 200, res.body)
  t.equal(parseNdjson(res.body).length, 1)
  const head = await ws.request({ method: 'HEAD', url: '/v1/campaigns/export' })
  // HEAD would read the whole export for nothing: it is not served (it falls to GET by id).
  t.ok(head.statusCode >= 400, 'HEAD is not an export')
  t.equal(head.headers['content-disposition'], undefined)
})

t.test('documents both content types with examples', async (t) => {
  interface Operation {
    tags: string[]
    parameters: { name: string }[]
    responses: Record<string, { content: Record<string, { schema?: { type?: string, examples?: unknown[] } }> }>
  }
  const doc = app.swagger() as unknown as { paths: Record<string, { get?: Operation }> }
  for (const { plural } of COLLECTIONS) {
    const op = doc.paths[`/v1/${plural}/export`]?.get
    if (op === undefined) throw new Error(`GET /v1/${plural}/export is not documented`)
    t.same(op.tags, ['Exports'])
    const content = op.responses['200']?.content ?? {}
    for (const type of ['text/csv', 'application/x-ndjson']) {
      t.equal(content[type]?.schema?.type, 'string', `${plural} ${type} is a string`)
      t.type(content[type]?.schema?.examples?.[0], 'string', `${plural} ${type} has an example`)
    }
    const names = op.parameters.map((p) => p.name)
    t.ok(names.includes('format') && names.includes('sort') && names.includes('q'))
    t.notOk(names.includes('limit') || names.includes('cursor'), `${plural}: no paging parameters`)
  }
})
