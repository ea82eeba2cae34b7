import { eq } from 'drizzle-orm'
import t from 'tap'
import { cases } from '../../../src/modules/cases/cases.table.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { products } from '../../../src/modules/products/products.table.js'
import { createCase } from '../../fixtures/cases.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The real app on the real Postgres and Redis. Contacts and products are
// inserted straight into their tables: these tests are about cases, and
// their own modules test how those records are made.

const HOUR = 60 * 60 * 1000

const app = await buildTestApp(t)

async function createAccount (ws: TestWorkspace, name = 'Acme GmbH'): Promise<string> {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name } })
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`)
  return res.json().id
}

async function insertContact (ws: TestWorkspace, lastName = 'Lovelace'): Promise<string> {
  const [row] = await app.deps.db
    .insert(contacts)
    .values({ workspaceId: ws.workspaceId, lastName })
    .returning()
  return (row as { id: string }).id
}

async function insertProduct (ws: TestWorkspace, name = 'Invoicing Pro'): Promise<string> {
  const [row] = await app.deps.db
    .insert(products)
    .values({ workspaceId: ws.workspaceId, name, currency: 'EUR' })
    .returning()
  return (row as { id: string }).id
}

type Caller = Pick<TestWorkspace, 'request'>
type Body = Record<string, unknown>
type Headers = Record<string, string>

const post = (ws: Caller, payload: Body) =>
  ws.request({ method: 'POST', url: '/v1/cases', payload })
const get = (ws: Caller, id: string) => ws.request({ method: 'GET', url: `/v1/cases/${id}` })
const patch = (ws: Caller, id: string, payload: Body, headers: Headers = {}) =>
  ws.request({ method: 'PATCH', url: `/v1/cases/${id}`, payload, headers })
const remove = (ws: Caller, id: string, headers: Headers = {}) =>
  ws.request({ method: 'DELETE', url: `/v1/cases/${id}`, headers })

/** The ids of one page of cases, in the order served. */
const caseIds = (ws: Caller, query: string) => listIds(ws, `/v1/cases?${query}`)

const ms = (iso: string) => Date.parse(iso)

t.test('creates a case with defaults, derived fields and every field round-tripping', async (t) => {
  const ws = await createWorkspace(app)
  const accountId = await createAccount(ws)
  const contactId = await insertContact(ws)
  const productId = await insertProduct(ws)
  const agent = await createUser(app, ws, 'support')

  const minimal = await post(ws, { subject: 'Login fails' })
  t.equal(minimal.statusCode, 201, minimal.body)
  const first = minimal.json()
  t.equal(minimal.headers.location, `/v1/cases/${first.id}`)
  t.equal(minimal.headers.etag, '"1"')
  t.match(minimal.headers['content-type'], /^application\/json/)
  t.equal(first.number, 1)
  t.equal(first.status, 'new')
  t.equal(first.priority, 'normal')
  t.equal(first.isClosed, false)
  t.equal(first.isOverdue, false)
  t.equal(first.ownerId, ws.userId)
  t.equal(first.version, 1)
  const empty = [
    'description', 'type', 'origin', 'accountId', 'contactId', 'productId', 'resolution',
    'firstResponseAt', 'resolvedAt', 'closedAt', 'escalatedAt', 'reopenedAt'
  ]
  for (const field of empty) t.equal(first[field], null, `${field} is null`)
  t.equal(first.reopenCount, 0)
  t.equal(ms(first.firstResponseDueAt), ms(first.createdAt) + 8 * HOUR, 'first response due 8 h after creation')
  t.equal(ms(first.resolutionDueAt), ms(first.createdAt) + 72 * HOUR, 'resolution due 72 h after creation')

  const body = {
    subject: 'Invoice export fails',
    description: 'Exports of more than 500 invoices stop after 30 seconds.',
    status: 'escalated',
    priority: 'urgent',
    type: 'incident',
    origin: 'phone',
    accountId,
    contactId,
    productId,
    ownerId: agent.id,
    resolution: 'Not yet known'
  }
  const full = await ws.request({ method: 'POST', url: '/v1/cases', payload: body })
  t.equal(full.statusCode, 201, full.body)
  const record = full.json()
  t.match(record, body)
  t.equal(record.number, 2)
  const window = ms(record.resolutionDueAt) - ms(record.firstResponseDueAt)
  t.equal(window, 3 * HOUR, 'urgent: 1 h and 4 h')
  t.equal(record.escalatedAt, record.createdAt, 'opened escalated')
  t.same(Object.keys(record).sort(), [
    'accountId', 'closedAt', 'contactId', 'createdAt', 'description', 'escalatedAt',
    'firstResponseAt', 'firstResponseDueAt', 'id', 'isClosed', 'isOverdue', 'number', 'origin',
    'ownerId', 'priority', 'productId', 'reopenCount', 'reopenedAt', 'resolution',
    'resolutionDueAt', 'resolvedAt', 'status', 'subject', 'type', 'updatedAt', 'version'
  ])

  const read = await get(ws, record.id)
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), record)
})

t.test('numbers cases per workspace, without duplicates under concurrent creates', async (t) => {
  const one = await createWorkspace(app)
  const two = await createWorkspace(app)

  t.equal((await createCase(one)).number, 1)
  t.equal((await createCase(two)).number, 1)
  t.equal((await createCase(one)).number, 2)

  const burst = await Promise.all(
    Array.from({ length: 10 }, (_, i) => createCase(two, { subject: `Case ${i}` }))
  )
  const numbers = burst.map((c) => c.number).sort((a, b) => a - b)
  t.same(numbers, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
})

t.test('rejects a number, a computed field, an id or a version in the body', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)

  const readOnly: Record<string, unknown> = {
    number: 7,
    isClosed: true,
    isOverdue: true,
    resolvedAt: kase.createdAt,
    firstResponseDueAt: kase.createdAt,
    id: kase.id,
    version: 7
  }
  for (const [field, sent] of Object.entries(readOnly)) {
    const created = await post(ws, { subject: 'x', [field]: sent })
    assertProblem(t, created, 400, 'CRM_VALIDATION_ERROR')
    t.equal(created.json().errors[0].pointer, `/${field}`)
    const patched = await patch(ws, kase.id, { [field]: sent })
    assertProblem(t, patched, 400, 'CRM_VALIDATION_ERROR')
    t.equal(patched.json().errors[0].pointer, `/${field}`)
  }

  const unknown = await post(ws, { subject: 'x', ticketId: 3 })
  assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
  t.same(unknown.json().errors[0], { pointer: '/ticketId', message: 'is not a known property' })

  const missing = await post(ws, { description: 'no subject' })
  assertProblem(t, missing, 400, 'CRM_VALIDATION_ERROR')
  t.equal(missing.json().errors[0].pointer, '/subject')

  const badEnum = await post(ws, { subject: 'x', status: 'open' })
  assertProblem(t, badEnum, 400, 'CRM_VALIDATION_ERROR')
  t.equal(badEnum.json().errors[0].pointer, '/status')

  const unchanged = await get(ws, kase.id)
  t.equal(unchanged.json().version, 1)
})

t.test('walks every page of the list exactly once and sorts by number and due time', async (t) => {
  const ws = await createWorkspace(app)
  const made: string[] = []
  for (let i = 0; i < 7; i++) made.push((await createCase(ws, { subject: `Case ${i}` })).id)

  const { ids: seen, pages } = await walkList(ws, '/v1/cases', 3, { t, each: ['status'] })
  t.equal(pages, 3)
  t.same(seen, [...made].reverse(), 'newest first, each once')

  t.same(await caseIds(ws, 'sort=number'), made)
  t.same(await caseIds(ws, 'sort=-number'), [...made].reverse())

  const urgent = await createCase(ws, { priority: 'urgent' })
  const low = await createCase(ws, { priority: 'low' })
  const byDue = await caseIds(ws, 'sort=resolutionDueAt')
  t.equal(byDue[0], urgent.id)
  t.equal(byDue[byDue.length - 1], low.id)
  const byDueDesc = await caseIds(ws, 'sort=-resolutionDueAt')
  t.equal(byDueDesc[0], low.id)

  const pagedByNumber = await walkList(ws, '/v1/cases?sort=-number', 4)
  t.same(pagedByNumber.ids, [low.id, urgent.id, ...[...made].reverse()])

  const badSort = await ws.request({ method: 'GET', url: '/v1/cases?sort=subject' })
  assertProblem(t, badSort, 400, 'CRM_VALIDATION_ERROR')
  t.equal(badSort.json().errors[0].pointer, 'sort')
})

t.test('filters by every documented field and searches subject and description', async (t) => {
  const ws = await createWorkspace(app)
  const accountId = await createAccount(ws)
  const contactId = await insertContact(ws)
  const productId = await insertProduct(ws)
  const agent = await createUser(app, ws, 'support')

  const a = await createCase(ws, {
    subject: 'Printer jams on duplex',
    status: 'in_progress',
    priority: 'high',
    type: 'problem',
    origin: 'web',
    accountId,
    contactId,
    productId,
    ownerId: agent.id
  })
  const opened = await createCase(ws, {
    subject: 'Question about billing',
    description: 'Which plan includes the API?',
    type: 'question',
    origin: 'chat'
  })
  const b = (await patch(ws, opened.id, { status: 'closed' })).json()

  const expectations: [string, string[]][] = [
    ['status=in_progress', [a.id]],
    ['status=closed,new', [b.id]],
    ['priority=high', [a.id]],
    ['priority=normal', [b.id]],
    ['type=problem', [a.id]],
    ['origin=chat', [b.id]],
    ['isClosed=true', [b.id]],
    ['isClosed=false', [a.id]],
    [`accountId=${accountId}`, [a.id]],
    [`contactId=${contactId}`, [a.id]],
    [`productId=${productId}`, [a.id]],
    [`ownerId=${agent.id}`, [a.id]],
    [`ownerId=${ws.userId}`, [b.id]],
    [`ownerId=${ws.userId},${agent.id}`, [b.id, a.id]],
    [`createdAtFrom=${b.createdAt}`, [b.id]],
    [`createdAtTo=${a.createdAt}`, [a.id]],
    ['isOpen=true', [a.id]],
    ['isOpen=false', [b.id]],
    ['q=duplex', [a.id]],
    ['q=PLAN api', [b.id]],
    ['q=printer billing', []]
  ]
  for (const [query, expected] of expectations) {
    t.same(await caseIds(ws, query), expected, query)
  }

  const later = await patch(ws, a.id, { priority: 'low' })
  const updatedAt = later.json().updatedAt
  t.same(await caseIds(ws, `updatedAtFrom=${updatedAt}`), [a.id])
  t.same(await caseIds(ws, `updatedAtTo=${b.updatedAt}`), [b.id])

  const unknown = await ws.request({ method: 'GET', url: '/v1/cases?subject=Printer' })
  assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
  const badValue = await ws.request({ method: 'GET', url: '/v1/cases?status=open' })
  assertProblem(t, badValue, 400, 'CRM_VALIDATION_ERROR')
  t.equal(badValue.json().errors[0].pointer, 'status')
})

t.test('updates with If-Match, refuses a stale ETag and clears fields with null', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws, { description: 'First words', origin: 'email' })

  const patched = await ws.request({
    method: 'PATCH',
    url: `/v1/cases/${kase.id}`,
    headers: { 'if-match': '"1"' },
    payload: { subject: 'Export times out', description: null, status: 'assigned' }
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.headers.etag, '"2"')
  const after = patched.json()
  t.equal(after.version, 2)
  t.equal(after.subject, 'Export times out')
  t.equal(after.description, null)
  t.equal(after.origin, 'email', 'absent fields stay')
  t.equal(after.number, kase.number)

  const stale = await ws.request({
    method: 'PATCH',
    url: `/v1/cases/${kase.id}`,
    headers: { 'if-match': '"1"' },
    payload: { subject: 'Lost update' }
  })
  assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')
  const read = await get(ws, kase.id)
  t.same(read.json(), after, 'nothing changed')

  const clearSubject = await patch(ws, kase.id, { subject: null })
  assertProblem(t, clearSubject, 400, 'CRM_VALIDATION_ERROR')
  t.equal(clearSubject.json().errors[0].pointer, '/subject')
  const clearStatus = await patch(ws, kase.id, { status: null })
  assertProblem(t, clearStatus, 400, 'CRM_VALIDATION_ERROR')

  const same = await patch(ws, kase.id, { origin: 'email' })
  t.equal(same.json().version, 2, 'a patch that changes nothing keeps the version')
})

t.test('checks every reference like an id that was never used', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const refs = {
    accountId: [await createAccount(ws), await createAccount(other)],
    contactId: [await insertContact(ws), await insertContact(other)],
    productId: [await insertProduct(ws), await insertProduct(other)],
    ownerId: [ws.userId, other.userId]
  }
  const never = '00000000-0000-4000-8000-000000000000'
  const kase = await createCase(ws)

  for (const [field, [own, foreign]] of Object.entries(refs)) {
    for (const id of [foreign, never]) {
      const created = await post(ws, { subject: 'x', [field]: id })
      assertProblem(t, created, 422, 'CRM_INVALID_REFERENCE')
      t.equal(created.json().errors[0].pointer, `/${field}`)
      t.match(created.json().errors[0].message, `with id ${id}`)
      const patched = await patch(ws, kase.id, { [field]: id })
      assertProblem(t, patched, 422, 'CRM_INVALID_REFERENCE')
      t.equal(patched.json().errors[0].pointer, `/${field}`)
    }
    const ok = await patch(ws, kase.id, { [field]: own })
    t.equal(ok.statusCode, 200, ok.body)
    t.equal(ok.json()[field], own)
  }

  const cleared = await ws.request({
    method: 'PATCH',
    url: `/v1/cases/${kase.id}`,
    payload: { accountId: null, contactId: null, productId: null }
  })
  t.equal(cleared.statusCode, 200)
  t.match(cleared.json(), { accountId: null, contactId: null, productId: null })

  const gone = await insertContact(ws, 'Deleted')
  await app.deps.db.update(contacts).set({ deletedAt: new Date() }).where(eq(contacts.id, gone))
  const deleted = await post(ws, { subject: 'x', contactId: gone })
  assertProblem(t, deleted, 422, 'CRM_INVALID_REFERENCE')
  t.equal(deleted.json().errors[0].pointer, '/contactId')

  const leaver = await createUser(app, ws, 'support')
  await ws.request({ method: 'PATCH', url: `/v1/users/${leaver.id}`, payload: { isActive: false } })
  const inactive = await post(ws, { subject: 'x', ownerId: leaver.id })
  assertProblem(t, inactive, 422, 'CRM_INVALID_REFERENCE')
  t.equal(inactive.json().errors[0].pointer, '/ownerId')
})

t.test('needs a resolution to resolve, looking at the merged case', async (t) => {
  const ws = await createWorkspace(app)

  const kase = await createCase(ws)
  const refused = await patch(ws, kase.id, { status: 'resolved' })
  assertProblem(t, refused, 422, 'CRM_CASE_RESOLUTION_REQUIRED')
  t.same(refused.json().errors, [
    { pointer: '/resolution', message: 'a resolved case needs a resolution' }
  ])
  const blank = await patch(ws, kase.id, { status: 'resolved', resolution: '   ' })
  assertProblem(t, blank, 422, 'CRM_CASE_RESOLUTION_REQUIRED')
  t.equal((await get(ws, kase.id)).json().version, 1)

  const together = await patch(ws, kase.id, { status: 'resolved', resolution: 'Reset the token' })
  t.equal(together.statusCode, 200, together.body)
  t.equal(together.json().isClosed, true)
  t.ok(together.json().resolvedAt)
  t.equal(together.json().closedAt, together.json().resolvedAt)

  const clear = await patch(ws, kase.id, { resolution: null })
  assertProblem(t, clear, 422, 'CRM_CASE_RESOLUTION_REQUIRED')
  t.equal(clear.json().errors[0].pointer, '/resolution')

  const noted = await createCase(ws, { resolution: 'Known workaround: clear the cache' })
  const later = await patch(ws, noted.id, { status: 'resolved' })
  t.equal(later.statusCode, 200, 'the stored resolution counts')

  const closed = await patch(ws, noted.id, { status: 'closed', resolution: null })
  t.equal(closed.statusCode, 200, 'only a resolved case needs one')
})

t.test('records when a case is resolved and closed, and clears both on reopening', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const patch = async (payload: Record<string, unknown>) => {
    const res = await ws.request({ method: 'PATCH', url: `/v1/cases/${kase.id}`, payload })
    t.equal(res.statusCode, 200, res.body)
    return res.json()
  }

  const working = await patch({ status: 'in_progress' })
  t.match(working, { isClosed: false, resolvedAt: null, closedAt: null })

  const resolved = await patch({ status: 'resolved', resolution: 'Raised the timeout' })
  t.equal(resolved.isClosed, true)
  t.ok(resolved.resolvedAt)
  t.equal(resolved.closedAt, resolved.resolvedAt)

  const closed = await patch({ status: 'closed' })
  t.equal(closed.isClosed, true)
  t.equal(closed.closedAt, resolved.closedAt, 'closedAt keeps the entry into the closed group')
  t.equal(closed.resolvedAt, resolved.resolvedAt)

  const reopened = await patch({ status: 'pending_customer' })
  t.match(reopened, { isClosed: false, resolvedAt: null, closedAt: null })
  t.equal(reopened.resolution, 'Raised the timeout', 'the resolution stays as a note')

  const rejected = await patch({ status: 'rejected' })
  t.equal(rejected.isClosed, true)
  t.equal(rejected.resolvedAt, null)
  t.ok(rejected.closedAt)
  t.ok(ms(rejected.closedAt) > ms(resolved.closedAt))

  await patch({ status: 'assigned' })
  const duplicate = await patch({ status: 'duplicate' })
  t.equal(duplicate.resolvedAt, null)
  t.ok(ms(duplicate.closedAt) > ms(rejected.closedAt), 'a new entry into the closed statuses')

  const listed = await ws.request({ method: 'GET', url: '/v1/cases?isClosed=true' })
  t.same(listed.json().data.map((c: { id: string }) => c.id), [kase.id])

  const back = await patch({ status: 'new' })
  t.match(back, { isClosed: false, resolvedAt: null, closedAt: null })
})

t.test('recomputes the due times from createdAt when the priority changes', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const created = ms(kase.createdAt)
  const sla: [string, number, number][] = [
    ['urgent', 1, 4], ['high', 4, 24], ['normal', 8, 72], ['low', 24, 120]
  ]

  for (const [priority, first, resolution] of sla) {
    const res = await patch(ws, kase.id, { priority })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.equal(body.priority, priority)
    t.equal(ms(body.firstResponseDueAt), created + first * HOUR, `${priority} first response`)
    t.equal(ms(body.resolutionDueAt), created + resolution * HOUR, `${priority} resolution`)
  }

  const other = await patch(ws, kase.id, { subject: 'Renamed' })
  t.equal(ms(other.json().resolutionDueAt), created + 120 * HOUR, 'other changes keep them')
})

t.test('shows a case as overdue past its due times until it is closed', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const past = new Date(Date.now() - HOUR)
  const future = new Date(Date.now() + HOUR)
  const read = async () => (await get(ws, kase.id)).json()
  const setRow = (values: Partial<typeof cases.$inferInsert>) =>
    app.deps.db.update(cases).set(values).where(eq(cases.id, kase.id))

  await setRow({ firstResponseDueAt: past })
  t.equal((await read()).isOverdue, true, 'no first response in time')

  await setRow({ firstResponseAt: past })
  t.equal((await read()).isOverdue, false, 'answered, resolution still due')

  await setRow({ resolutionDueAt: past })
  t.equal((await read()).isOverdue, true, 'past the resolution time')

  await setRow({ resolutionDueAt: future, firstResponseAt: null, firstResponseDueAt: future })
  t.equal((await read()).isOverdue, false)

  await setRow({ resolutionDueAt: past })
  const closed = await patch(ws, kase.id, { status: 'closed' })
  t.equal(closed.json().isOverdue, false, 'a closed case is never overdue')
  t.equal(closed.json().firstResponseAt, null)
})

t.test('deletes a case', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)

  const stale = await remove(ws, kase.id, { 'if-match': '"9"' })
  assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')

  const removed = await remove(ws, kase.id, { 'if-match': '"1"' })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')

  assertProblem(t, await get(ws, kase.id), 404, 'CRM_CASE_NOT_FOUND')
  assertProblem(t, await remove(ws, kase.id), 404, 'CRM_CASE_NOT_FOUND')
  t.same(await caseIds(ws, ''), [])
  t.equal((await createCase(ws)).number, 2, 'numbers are not reused')
})

t.test('hides a case from every other workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const kase = await createCase(ws)
  await createCase(other)

  assertProblem(t, await get(other, kase.id), 404, 'CRM_CASE_NOT_FOUND')
  assertProblem(t, await patch(other, kase.id, { subject: 'Hijacked' }), 404, 'CRM_CASE_NOT_FOUND')
  assertProblem(t, await remove(other, kase.id), 404, 'CRM_CASE_NOT_FOUND')
  t.notOk((await caseIds(other, 'limit=200')).includes(kase.id))
  t.notOk((await caseIds(other, `ownerId=${ws.userId}`)).includes(kase.id))

  t.same((await get(ws, kase.id)).json(), kase, 'untouched')
})

t.test('lets support write cases and other roles only read them', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)

  const support = await createUser(app, ws, 'support')
  const opened = await post(support, { subject: 'From support' })
  t.equal(opened.statusCode, 201, opened.body)
  t.equal(opened.json().ownerId, support.id, 'owner defaults to the caller')

  for (const role of ['sales', 'marketing', 'readonly']) {
    const user = await createUser(app, ws, role)
    t.equal((await get(user, kase.id)).statusCode, 200, `${role} reads`)
    t.equal((await user.request({ method: 'GET', url: '/v1/cases' })).statusCode, 200)
    assertProblem(t, await post(user, { subject: 'x' }), 403, 'CRM_FORBIDDEN')
    assertProblem(t, await patch(user, kase.id, { subject: 'x' }), 403, 'CRM_FORBIDDEN')
    assertProblem(t, await remove(user, kase.id), 403, 'CRM_FORBIDDEN')
  }

  const noToken = await app.inject({ method: 'GET', url: '/v1/cases' })
  assertProblem(t, noToken, 401, 'CRM_UNAUTHORIZED')
})
