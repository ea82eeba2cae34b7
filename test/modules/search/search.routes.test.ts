import { count, sql } from 'drizzle-orm'
import t from 'tap'
import { matchesSearch } from '../../../src/db/full-text.js'
import { scoped } from '../../../src/lib/records/tenant.js'
import { contactResource } from '../../../src/modules/contacts/contacts.resource.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { createContact } from '../../fixtures/contacts.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { walkSearch } from './search.model.js'

const app = await buildTestApp(t)

const COLLECTIONS = ['accounts', 'contacts', 'leads', 'opportunities', 'products', 'cases', 'campaigns']

async function createAccount (ws: TestWorkspace, body: Record<string, unknown>) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: body })
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`)
  return res.json() as { id: string }
}

const search = (ws: Pick<TestWorkspace, 'request'>, collection: string, payload: unknown) =>
  ws.request({ method: 'POST', url: `/v1/${collection}/search`, payload: payload as Record<string, unknown> })

async function ids (ws: TestWorkspace, collection: string, body: Record<string, unknown>) {
  return (await walkSearch(ws, collection, body)).ids
}

t.test('several sort keys page through every match once, in order', async (t) => {
  const ws = await createWorkspace(app)
  const made = []
  for (const lastName of ['Baker', 'Adams', 'Baker', 'Clark', 'Adams', 'Baker', 'Young']) {
    made.push(await createContact(ws, { lastName, firstName: null }))
  }
  const [b1, a1, b2, c1, a2, b3] = made.map((c) => c.id)
  const body = { sort: 'lastName,-createdAt', filter: { field: 'lastName', op: 'neq', value: 'young' }, limit: 2 }
  const walked = await walkSearch(ws, 'contacts', body)
  t.same(walked.ids, [a2, a1, b3, b2, b1, c1], 'by last name, then newest first')
  t.equal(walked.pages, 3)

  const one = await search(ws, 'contacts', { ...body, limit: 200 })
  t.same(one.json().data.map((c: { id: string }) => c.id), walked.ids, 'pages join to the one-page answer')

  const first = (await search(ws, 'contacts', body)).json()
  const replay = await search(ws, 'contacts', { ...body, sort: 'lastName', cursor: first.nextCursor })
  const problem = assertProblem(t, replay, 400, 'CRM_BAD_REQUEST')
  t.same(problem.errors.map((e: { pointer: string }) => e.pointer), ['cursor'], 'a cursor is bound to its sort')
  assertProblem(t, await search(ws, 'contacts', { cursor: 'bm90LWEtY3Vyc29y' }), 400, 'CRM_BAD_REQUEST')
  const badSort = assertProblem(t, await search(ws, 'contacts', { sort: 'title' }), 400, 'CRM_VALIDATION_ERROR')
  t.same(badSort.errors.map((e: { pointer: string }) => e.pointer), ['/sort'])
})

t.test('includeTotal counts every match, with q and filter, on every page', async (t) => {
  const ws = await createWorkspace(app)
  for (let i = 0; i < 5; i++) await createContact(ws, { lastName: `Hopper ${i}`, doNotCall: i % 2 === 0 })
  await createContact(ws, { lastName: 'Lovelace' })
  const body = { q: 'hopper', filter: { field: 'doNotCall', op: 'eq', value: true }, limit: 1, includeTotal: true }
  const walked = await walkSearch(ws, 'contacts', body)
  t.equal(walked.ids.length, 3)
  t.equal(walked.total, 3, 'the total of all pages, the same on each')
  const plain = (await search(ws, 'contacts', { q: 'hopper' })).json()
  t.equal(plain.data.length, 5, 'q is the list\'s full-text q')
  t.notOk('total' in plain, 'no total unless asked')
  const none = (await search(ws, 'contacts', { q: 'nobody', includeTotal: true })).json()
  t.same(none, { data: [], nextCursor: null, total: 0 })
  const everything = (await search(ws, 'contacts', {})).json()
  t.equal(everything.data.length, 6, 'an empty body finds every record')
})

t.test('LIKE wildcards are literal, text ignores case, not is the complement', async (t) => {
  const ws = await createWorkspace(app)
  const percent = await createAccount(ws, { name: '50% Off', industry: 'Re_tail' })
  const plain = await createAccount(ws, { name: '500 Off', industry: 'Retail' })
  const empty = await createAccount(ws, { name: 'Blank' })
  const found = async (filter: unknown) => (await ids(ws, 'accounts', { filter })).sort()
  t.same(await found({ field: 'name', op: 'contains', value: '0%' }), [percent.id])
  t.same(await found({ field: 'industry', op: 'startsWith', value: 're_' }), [percent.id])
  t.same(await found({ field: 'industry', op: 'eq', value: 'RETAIL' }), [plain.id])
  t.same(await found({ field: 'industry', op: 'in', value: ['retail', 're_tail'] }), [percent.id, plain.id].sort())
  t.same(await found({ field: 'industry', op: 'neq', value: 'retail' }), [percent.id, empty.id].sort(),
    'neq holds for a null field')
  t.same(await found({ field: 'industry', op: 'notIn', value: ['retail'] }), [percent.id, empty.id].sort())
  t.same(await found({ not: { field: 'industry', op: 'eq', value: 'retail' } }), [percent.id, empty.id].sort(),
    'not of a condition a null field fails matches the null field')
  t.same(await found({ field: 'industry', op: 'isNull' }), [empty.id])
  t.same(await found({ and: [] }), [percent.id, plain.id, empty.id].sort(), 'an empty and holds')
  t.same(await found({ or: [] }), [], 'an empty or does not')
  t.same(await found({ not: { or: [] } }), [percent.id, plain.id, empty.id].sort())
  t.same(await found({ field: 'industry', op: 'isNull', value: false }), [percent.id, plain.id].sort())

  const child = await createAccount(ws, { name: 'Child', parentAccountId: percent.id })
  t.same(await found({ field: 'parentAccount.industry', op: 'eq', value: 're_tail' }), [child.id])
  t.same(await found({ field: 'parentAccount.name', op: 'isNull' }), [percent.id, plain.id, empty.id].sort(),
    'a parent field is null without a parent')
  t.same(await found({ field: 'parentAccount.name', op: 'neq', value: '50% off' }), [percent.id, plain.id, empty.id].sort())
})

t.test('opportunities filter on their account, contact and campaign', async (t) => {
  const ws = await createWorkspace(app)
  const tech = await createAccount(ws, { name: 'Tech Co', industry: 'Technology' })
  const bank = await createAccount(ws, { name: 'Bank Co', industry: 'Banking' })
  const grace = await createContact(ws, { lastName: 'Hopper', accountId: tech.id })
  const campaign = (await ws.request({
    method: 'POST', url: '/v1/campaigns', payload: { name: 'Spring', type: 'email', budget: '1000.00' }
  })).json()
  const one = await createOpportunity(ws, { accountId: tech.id, contactId: grace.id, amount: '500.00' })
  const two = await createOpportunity(ws, { accountId: bank.id, campaignId: campaign.id, amount: '1500.00' })
  const found = async (filter: unknown) => (await ids(ws, 'opportunities', { filter })).sort()
  t.same(await found({ field: 'account.industry', op: 'startsWith', value: 'tech' }), [one.id])
  t.same(await found({ field: 'contact.lastName', op: 'eq', value: 'hopper' }), [one.id])
  t.same(await found({ field: 'campaign.budget', op: 'gte', value: '1000' }), [two.id])
  t.same(await found({
    or: [{ field: 'amount', op: 'gt', value: '1000.00' }, { field: 'contact.accountId', op: 'eq', value: tech.id }]
  }), [one.id, two.id].sort())
})

t.test('a filter that does not fit answers 400 with a pointer to what is wrong', async (t) => {
  const ws = await createWorkspace(app)
  const pointers = async (filter: unknown, collection = 'contacts') => {
    const body = assertProblem(t, await search(ws, collection, { filter }), 400, 'CRM_VALIDATION_ERROR')
    return body.errors.map((e: { pointer: string }) => e.pointer)
  }
  const leaf = { field: 'lastName', op: 'eq', value: 'x' }
  t.same(await pointers({ field: 'nickname', op: 'eq', value: 'x' }), ['/filter/field'], 'an unknown field')
  t.same(await pointers({ field: 'mailingAddress', op: 'eq', value: 'x' }), ['/filter/field'], 'addresses are not searchable')
  t.same(await pointers({ field: 'workspaceId', op: 'eq', value: ws.workspaceId }), ['/filter/field'])
  t.same(await pointers({ field: 'account.nickname', op: 'eq', value: 'x' }), ['/filter/field'])
  t.same(await pointers({ field: 'lastName', op: 'like', value: 'x' }), ['/filter/op'], 'an unknown operator')
  t.same(await pointers({ and: [leaf, { field: 'lastName', op: 'gt', value: 'x' }] }), ['/filter/and/1/op'],
    'an operator the kind does not take')
  t.same(await pointers({ or: [leaf, { field: 'doNotCall', op: 'contains', value: 'x' }] }), ['/filter/or/1/op'])
  t.same(await pointers({ and: [leaf, { field: 'account.numberOfEmployees', op: 'gt', value: '5' }] }),
    ['/filter/and/1/value'], 'a number as text')
  t.same(await pointers({ field: 'account.numberOfEmployees', op: 'eq', value: 1.5 }), ['/filter/value'])
  t.same(await pointers({ field: 'account.annualRevenue', op: 'gt', value: 100 }), ['/filter/value'],
    'money is a decimal string')
  t.same(await pointers({ field: 'leadSource', op: 'eq', value: 'carrier_pigeon' }), ['/filter/value'])
  t.same(await pointers({ field: 'accountId', op: 'eq', value: 'not-a-uuid' }), ['/filter/value'])
  t.same(await pointers({ field: 'createdAt', op: 'gt', value: '2026-02-30T00:00:00Z' }), ['/filter/value'])
  t.same(await pointers({ field: 'closeDate', op: 'lt', value: '2026-13-01' }, 'opportunities'), ['/filter/value'])
  t.same(await pointers({ field: 'doNotCall', op: 'eq', value: 'true' }), ['/filter/value'])
  t.same(await pointers({ field: 'lastName', op: 'eq' }), ['/filter/value'], 'a missing value')
  t.same(await pointers({ field: 'lastName', op: 'isNull', value: 'yes' }), ['/filter/value'])
  t.same(await pointers({ field: 'lastName', op: 'eq', value: ['a'] }), ['/filter/value'], 'a list for eq')
  t.same(await pointers({ field: 'lastName', op: 'in', value: 'a' }), ['/filter/value'], 'no list for in')
  t.same(await pointers({ not: { field: 'accountId', op: 'in', value: [ws.workspaceId, 'x', 3] } }),
    ['/filter/not/value/1', '/filter/not/value/2'], 'each bad item of a list')
  t.same(await pointers({ and: [leaf, { ...leaf, extra: 1 }] }), ['/filter/and/1/extra'], 'an unknown property')
  t.same(await pointers({ and: [leaf], or: [leaf] }), ['/filter'], 'two shapes in one node')
  t.same(await pointers({ and: leaf }), ['/filter/and'])
  t.same(await pointers('lastName = x'), ['/filter'], 'SQL text is not a filter')
  t.same(await pointers({ and: [leaf, null] }), ['/filter/and/1'])

  const nest = (depth: number): unknown => (depth === 1 ? leaf : { not: nest(depth - 1) })
  t.equal((await search(ws, 'contacts', { filter: nest(6) })).statusCode, 200, 'six levels are allowed')
  t.same(await pointers(nest(7)), [`/filter${'/not'.repeat(6)}`], 'a seventh level is not')
  // Sent as text: the nesting is deeper than JSON.stringify goes.
  const deep = `{"filter":${'{"not":'.repeat(5000)}${JSON.stringify(leaf)}${'}'.repeat(5000)}}`
  const hostile = await ws.request({
    method: 'POST', url: '/v1/contacts/search', payload: deep, headers: { 'content-type': 'application/json' }
  })
  const deepProblem = assertProblem(t, hostile, 400, 'CRM_VALIDATION_ERROR')
  t.same(deepProblem.errors.map((e: { pointer: string }) => e.pointer), [`/filter${'/not'.repeat(6)}`],
    'nor a hostile depth')

  t.equal((await search(ws, 'contacts', { filter: { or: Array(99).fill(leaf) } })).statusCode, 200, '100 nodes')
  t.same(await pointers({ or: Array(100).fill(leaf) }), ['/filter'], '101 nodes are too many')
  const many = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`)
  t.equal((await search(ws, 'contacts', { filter: { field: 'lastName', op: 'in', value: many(500) } })).statusCode, 200)
  t.same(await pointers({ field: 'lastName', op: 'in', value: many(501) }), ['/filter/value'], '501 values')

  const limit = assertProblem(t, await search(ws, 'contacts', { limit: 201 }), 400, 'CRM_VALIDATION_ERROR')
  t.same(limit.errors.map((e: { pointer: string }) => e.pointer), ['/limit'])
  assertProblem(t, await search(ws, 'contacts', { filter: leaf, unknown: true }), 400, 'CRM_VALIDATION_ERROR')
  assertProblem(t, await search(ws, 'contacts', { q: '' }), 400, 'CRM_VALIDATION_ERROR')
})

t.test('q is answered from the GIN index on a large table', async (t) => {
  const ws = await createWorkspace(app)
  const db = app.deps.db
  await db.execute(sql`
    insert into contacts (workspace_id, first_name, last_name, email)
    select ${ws.workspaceId}::uuid, 'Bulk', 'Person ' || g, 'bulk' || g || '@bulk.example'
    from generate_series(1, 20000) as g`)
  await createContact(ws, { firstName: 'Zanzibar', lastName: 'Unique' })
  await db.execute(sql`analyze contacts`)

  // The q condition as a search counts it for includeTotal.
  const matching = db.select({ n: count() }).from(contacts)
    .where(scoped(contacts, ws.workspaceId, matchesSearch(contactResource.search, 'zanzib')))
  const plan = await db.execute(sql`explain ${matching}`)
  const text = plan.rows.map((r) => Object.values(r).join('')).join('\n')
  t.match(text, /contacts_search_idx/, `the plan uses the index:\n${text}`)

  const found = (await search(ws, 'contacts', { q: 'Zanzib', includeTotal: true })).json()
  t.equal(found.total, 1)
  t.equal(found.data[0]?.firstName, 'Zanzibar')
  await db.execute(sql`delete from contacts where workspace_id = ${ws.workspaceId}::uuid`)
})

t.test('records of another workspace are never found', async (t) => {
  const a = await createWorkspace(app, 'A')
  const b = await createWorkspace(app, 'B')
  const accountA = await createAccount(a, { name: 'Shared name', industry: 'Shared' })
  const accountB = await createAccount(b, { name: 'Shared name', industry: 'Shared' })
  const mine = await createContact(a, { lastName: 'Same', accountId: accountA.id })
  const theirs = await createContact(b, { lastName: 'Same', accountId: accountB.id })
  const filter = { and: [{ field: 'lastName', op: 'eq', value: 'same' }, { field: 'account.industry', op: 'eq', value: 'shared' }] }
  t.same(await ids(a, 'contacts', { filter, includeTotal: true }), [mine.id])
  t.same(await ids(b, 'contacts', { filter }), [theirs.id])
  t.same(await ids(a, 'contacts', { filter: { field: 'accountId', op: 'eq', value: accountB.id } }), [],
    'naming another workspace\'s account finds nothing')
  t.same(await ids(a, 'contacts', { filter: { field: 'account.id', op: 'eq', value: accountB.id } }), [])
  t.same(await ids(a, 'accounts', { filter: { field: 'name', op: 'eq', value: 'shared name' } }), [accountA.id])
  const total = (await search(a, 'contacts', { includeTotal: true })).json().total
  t.equal(total, 1, 'the total counts only the caller\'s records')
  for (const collection of COLLECTIONS) {
    const res = await search(b, collection, { filter: { field: 'id', op: 'in', value: [mine.id, accountA.id] } })
    t.same(res.json().data, [], `${collection} of B never shows A's records`)
  }
})

t.test('every role may search every collection; a caller without credentials may not', async (t) => {
  const ws = await createWorkspace(app)
  await createContact(ws, { lastName: 'Visible' })
  for (const role of ['admin', 'manager', 'sales', 'marketing', 'support', 'readonly']) {
    const user = await createUser(app, ws, role)
    for (const collection of COLLECTIONS) {
      const res = await search(user, collection, { filter: { field: 'createdAt', op: 'lte', value: new Date().toISOString() } })
      t.equal(res.statusCode, 200, `${role} searches ${collection}: ${res.body.slice(0, 200)}`)
    }
  }
  const anonymous = await app.inject({ method: 'POST', url: '/v1/contacts/search', payload: {} })
  assertProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
})
