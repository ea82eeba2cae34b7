import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { cases } from '../../../src/modules/cases/cases.table.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { opportunities } from '../../../src/modules/opportunities/opportunities.table.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import {
  PROBLEM_CONTENT_TYPE, problemIs, problemOf, problemShape
} from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The real app, Postgres and Redis; each test makes its own workspace, and
// rows are only touched directly to set up what the API cannot (old
// timestamps, references from resources written elsewhere).

const app = await buildTestApp(t)
const db = app.deps.db

type Requester = Pick<TestWorkspace, 'request'>

async function createAccount (ws: Requester, name = 'Acme') {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name } })
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`)
  return res.json() as { id: string }
}

const sorted = (ids: string[]) => [...ids].sort()

/** The ids of up to 200 contacts, sorted, to compare as a set. */
const contactIds = async (ws: Requester, query: string) =>
  sorted(await listIds(ws, `/v1/contacts?limit=200&${query}`))

t.test('creates a contact with every field, and defaults the rest', async (t) => {
  const ws = await createWorkspace(app)
  const account = await createAccount(ws)
  const sales = await createUser(app, ws, 'sales')
  const body = {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'Ada.Lovelace@Acme.example',
    phone: '+49 30 1234567',
    mobilePhone: '+49 170 1234567',
    title: 'CTO',
    department: 'Engineering',
    accountId: account.id,
    mailingAddress: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    doNotCall: true,
    emailOptOut: true,
    leadSource: 'referral',
    ownerId: sales.id,
    description: 'Met at the analytical engines meetup'
  }

  const created = await ws.request({ method: 'POST', url: '/v1/contacts', payload: body })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.headers['content-type'], /^application\/json/)
  const contact = created.json()
  t.equal(created.headers.location, `/v1/contacts/${contact.id}`)
  t.equal(created.headers.etag, '"1"')
  t.same(contact, {
    ...body,
    id: contact.id,
    mailingAddress: { ...body.mailingAddress, region: null },
    createdAt: contact.createdAt,
    updatedAt: contact.createdAt,
    version: 1
  })
  t.match(contact.id, /^[0-9a-f-]{36}$/)
  t.match(contact.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const read = await ws.request({ method: 'GET', url: `/v1/contacts/${contact.id}` })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), contact)

  const minimal = await ws.request({
    method: 'POST', url: '/v1/contacts', payload: { lastName: 'Hopper' }
  })
  t.equal(minimal.statusCode, 201, minimal.body)
  t.same(minimal.json(), {
    id: minimal.json().id,
    lastName: 'Hopper',
    doNotCall: false,
    emailOptOut: false,
    firstName: null,
    email: null,
    phone: null,
    mobilePhone: null,
    title: null,
    department: null,
    accountId: null,
    mailingAddress: null,
    leadSource: null,
    ownerId: ws.userId,
    description: null,
    createdAt: minimal.json().createdAt,
    updatedAt: minimal.json().updatedAt,
    version: 1
  })
})

t.test('refuses invalid bodies with 400 and a pointer', async (t) => {
  const ws = await createWorkspace(app)
  const contact = await createContact(ws)
  const invalid: [string, 'POST' | 'PATCH', Record<string, unknown>, string][] = [
    ['unknown property', 'POST', { lastName: 'X', nickname: 'Y' }, '/nickname'],
    ['missing lastName', 'POST', { firstName: 'X' }, '/lastName'],
    ['empty lastName', 'POST', { lastName: '' }, '/lastName'],
    ['bad email', 'POST', { lastName: 'X', email: 'not-an-email' }, '/email'],
    ['bad lead source', 'POST', { lastName: 'X', leadSource: 'carrier_pigeon' }, '/leadSource'],
    ['bad country', 'POST', { lastName: 'X', mailingAddress: { country: 'Germany' } },
      '/mailingAddress/country'],
    ['id sent', 'POST', { lastName: 'X', id: randomUUID() }, '/id'],
    ['unknown property in a patch', 'PATCH', { nickname: 'Y' }, '/nickname'],
    ['id in a patch', 'PATCH', { id: randomUUID() }, '/id'],
    ['version in a patch', 'PATCH', { version: 5 }, '/version'],
    ['createdAt in a patch', 'PATCH', { createdAt: '2026-01-01T00:00:00.000Z' }, '/createdAt'],
    ['lastName cleared', 'PATCH', { lastName: null }, '/lastName'],
    ['doNotCall cleared', 'PATCH', { doNotCall: null }, '/doNotCall']
  ]
  for (const [name, method, payload, pointer] of invalid) {
    const url = method === 'POST' ? '/v1/contacts' : `/v1/contacts/${contact.id}`
    const res = await ws.request({ method, url, payload })
    t.same(problemOf(res), problemIs(400, 'CRM_VALIDATION_ERROR'), name)
    t.equal(res.json().errors[0].pointer, pointer, name)
  }
  const after = await ws.request({ method: 'GET', url: `/v1/contacts/${contact.id}` })
  t.equal(after.json().version, 1, 'refused patches change nothing')
})

t.test('walks every page of the list exactly once', async (t) => {
  const ws = await createWorkspace(app)
  const made: string[] = []
  for (let i = 0; i < 7; i++) made.push((await createContact(ws, { lastName: `Person ${i}` })).id)

  const { ids, pages } = await walkList(ws, '/v1/contacts', 3, { t, each: ['size'] })
  t.equal(pages, 3)
  t.equal(ids.length, 7)
  t.same(sorted(ids), sorted(made))
  t.same(ids, [...made].reverse(), 'newest first by default')

  const tooMany = await ws.request({ method: 'GET', url: '/v1/contacts?limit=201' })
  t.same(problemOf(tooMany), problemIs(400, 'CRM_VALIDATION_ERROR'))
  const badSort = await ws.request({ method: 'GET', url: '/v1/contacts?sort=phone' })
  t.same(problemOf(badSort), problemIs(400, 'CRM_VALIDATION_ERROR'))
  t.equal(badSort.json().errors[0].pointer, 'sort')
  const badFilter = await ws.request({ method: 'GET', url: '/v1/contacts?title=CTO' })
  t.same(problemOf(badFilter), problemIs(400, 'CRM_VALIDATION_ERROR'))
})

t.test('sorts by lastName, firstName and email in both directions', async (t) => {
  const ws = await createWorkspace(app)
  const byName: Record<string, string> = {}
  const people: [string, string | null][] = [
    ['Cole', 'Bea'], ['Adams', null], ['Evans', 'Abe'], ['Baker', 'Cy'], ['Diaz', null]
  ]
  for (const [last, first] of people) {
    const email = `${last.toLowerCase()}@x.example`
    byName[last] = (await createContact(ws, { lastName: last, firstName: first, email })).id
  }
  const ids = (names: string[]) => names.map((n) => byName[n] as string)

  const up = await walkList(ws, '/v1/contacts?sort=lastName', 2, { t, each: ['size'] })
  t.same(up.ids, ids(['Adams', 'Baker', 'Cole', 'Diaz', 'Evans']))
  const down = await walkList(ws, '/v1/contacts?sort=-lastName', 2, { t, each: ['size'] })
  t.same(down.ids, ids(['Evans', 'Diaz', 'Cole', 'Baker', 'Adams']))

  // Contacts without a first name come last in both directions.
  const first = await walkList(ws, '/v1/contacts?sort=firstName', 2, { t, each: ['size'] })
  t.same(first.ids.slice(0, 3), ids(['Evans', 'Cole', 'Baker']))
  t.same(sorted(first.ids.slice(3)), sorted(ids(['Adams', 'Diaz'])))
  const firstDown = await walkList(ws, '/v1/contacts?sort=-firstName', 2, { t, each: ['size'] })
  t.same(firstDown.ids.slice(0, 3), ids(['Baker', 'Cole', 'Evans']))
  t.same(sorted(firstDown.ids.slice(3)), sorted(ids(['Adams', 'Diaz'])))

  const email = await walkList(ws, '/v1/contacts?sort=-email', 4, { t, each: ['size'] })
  t.same(email.ids, ids(['Evans', 'Diaz', 'Cole', 'Baker', 'Adams']))
})

t.test('filters and searches', async (t) => {
  const ws = await createWorkspace(app)
  const sales = await createUser(app, ws, 'sales')
  const accountA = await createAccount(ws, 'A')
  const accountB = await createAccount(ws, 'B')
  const a = await createContact(ws, {
    firstName: 'Ada', lastName: 'Lovelace', email: 'Match.Me@Example.com',
    accountId: accountA.id, leadSource: 'web', doNotCall: true
  })
  const b = await createContact(ws, {
    firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example',
    accountId: accountB.id, leadSource: 'event', emailOptOut: true, ownerId: sales.id
  })
  const c = await createContact(ws, {
    firstName: 'Alan', lastName: 'Turing', email: 'alan@turing.example'
  })
  const old = new Date('2020-01-01T00:00:00.000Z')
  await db.update(contacts).set({ createdAt: old, updatedAt: old }).where(eq(contacts.id, c.id))
  await db.update(contacts).set({ updatedAt: old }).where(eq(contacts.id, b.id))

  const expectations: [string, string[]][] = [
    [`accountId=${accountA.id}`, [a.id]],
    [`accountId=${accountA.id},${accountB.id}`, [a.id, b.id]],
    [`accountId=${randomUUID()}`, []],
    [`ownerId=${sales.id}`, [b.id]],
    [`ownerId=${ws.userId}`, [a.id, c.id]],
    ['email=match.me@example.COM', [a.id]],
    ['email=match.me@example.com,alan@turing.example', [a.id, c.id]],
    ['email=nobody@example.com', []],
    ['leadSource=web', [a.id]],
    ['leadSource=web,event', [a.id, b.id]],
    ['leadSource=partner', []],
    ['doNotCall=true', [a.id]],
    ['doNotCall=false', [b.id, c.id]],
    ['emailOptOut=true', [b.id]],
    ['emailOptOut=false', [a.id, c.id]],
    ['createdAtTo=2021-01-01T00:00:00.000Z', [c.id]],
    ['createdAtFrom=2021-01-01T00:00:00.000Z', [a.id, b.id]],
    ['updatedAtTo=2021-01-01T00:00:00.000Z', [b.id, c.id]],
    ['updatedAtFrom=2021-01-01T00:00:00.000Z', [a.id]],
    [`leadSource=web&accountId=${accountB.id}`, []],
    ['q=hopper', [b.id]],
    // Words match as prefixes, case-insensitively: full-text, not substring.
    ['q=LOVE', [a.id]],
    ['q=al', [c.id]],
    ['q=ove', []],
    ['q=turing.example', [c.id]],
    ['q=grace%20hop', [b.id]],
    ['q=grace%20turing', []]
  ]
  for (const [query, expected] of expectations) {
    t.same(await contactIds(ws, query), sorted(expected), query)
  }

  const badEnum = await ws.request({ method: 'GET', url: '/v1/contacts?leadSource=pigeon' })
  t.same(problemOf(badEnum), problemIs(400, 'CRM_VALIDATION_ERROR'))
  t.equal(badEnum.json().errors[0].pointer, 'leadSource')
})

t.test('updates with If-Match, merges, and clears with null', async (t) => {
  const ws = await createWorkspace(app)
  const contact = await createContact(ws, {
    title: 'CTO',
    phone: '+1 555 0100',
    mailingAddress: { city: 'Berlin', country: 'DE' }
  })

  const patched = await ws.request({
    method: 'PATCH',
    url: `/v1/contacts/${contact.id}`,
    headers: { 'if-match': '"1"' },
    payload: {
      title: 'CEO', phone: null, mailingAddress: { postalCode: '10115' }, emailOptOut: true
    }
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.headers.etag, '"2"')
  const after = patched.json()
  t.equal(after.version, 2)
  t.equal(after.title, 'CEO')
  t.equal(after.phone, null)
  t.equal(after.emailOptOut, true)
  t.same(after.mailingAddress, {
    street: null, city: 'Berlin', region: null, postalCode: '10115', country: 'DE'
  })
  t.equal(after.email, contact.email, 'absent fields stay')
  t.equal(after.createdAt, contact.createdAt)
  t.not(after.updatedAt, contact.updatedAt)

  const stale = await ws.request({
    method: 'PATCH',
    url: `/v1/contacts/${contact.id}`,
    headers: { 'if-match': '"1"' },
    payload: { title: 'Intern' }
  })
  t.same(problemOf(stale), problemIs(412, 'CRM_PRECONDITION_FAILED'))
  const read = await ws.request({ method: 'GET', url: `/v1/contacts/${contact.id}` })
  t.same(read.json(), after, 'a stale patch changes nothing')

  const cleared = await ws.request({
    method: 'PATCH',
    url: `/v1/contacts/${contact.id}`,
    payload: { mailingAddress: null, title: null }
  })
  t.equal(cleared.statusCode, 200)
  t.equal(cleared.json().mailingAddress, null)
  t.equal(cleared.json().title, null)
  t.equal(cleared.json().version, 3)

  const same = await ws.request({
    method: 'PATCH', url: `/v1/contacts/${contact.id}`, payload: { title: null }
  })
  t.equal(same.json().version, 3, 'a patch that changes nothing keeps the version')
})

t.test('keeps emails unique per workspace, ignoring case', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const first = await createContact(ws, { email: 'ada@acme.example' })

  for (const email of ['ada@acme.example', 'ADA@Acme.Example']) {
    const payload = { lastName: 'Dup', email }
    const dup = await ws.request({ method: 'POST', url: '/v1/contacts', payload })
    t.same(problemOf(dup), problemIs(409, 'CRM_CONTACT_EMAIL_TAKEN'), email)
    t.match(dup.json(), {
      type: '/problems/contact-email-taken',
      title: 'Contact email taken',
      status: 409,
      instance: '/v1/contacts',
      requestId: String,
      errors: [{ pointer: '/email', message: String }]
    })
  }

  const elsewhere = await createContact(other, { email: 'ada@acme.example' })
  t.equal(elsewhere.email, 'ada@acme.example', 'another workspace may use the same email')

  const second = await createContact(ws, { email: 'grace@acme.example' })
  const taken = await ws.request({
    method: 'PATCH', url: `/v1/contacts/${second.id}`, payload: { email: 'Ada@ACME.example' }
  })
  t.same(problemOf(taken), problemIs(409, 'CRM_CONTACT_EMAIL_TAKEN'))
  t.equal(taken.json().errors[0].pointer, '/email')

  const ownCase = await ws.request({
    method: 'PATCH', url: `/v1/contacts/${first.id}`, payload: { email: 'Ada@Acme.example' }
  })
  t.equal(ownCase.statusCode, 200, 'a contact may change the case of its own email')

  const noEmail = await createContact(ws, { email: null })
  const alsoNoEmail = await createContact(ws, { email: null })
  t.not(noEmail.id, alsoNoEmail.id, 'many contacts may have no email')

  const removed = await ws.request({ method: 'DELETE', url: `/v1/contacts/${first.id}` })
  t.equal(removed.statusCode, 204)
  const reused = await createContact(ws, { email: 'ada@acme.example' })
  t.equal(reused.email, 'ada@acme.example', 'a deleted contact frees its email')
})

t.test('answers 409 naming the email when concurrent creates race for it', async (t) => {
  const ws = await createWorkspace(app)
  const payload = { lastName: 'Racer', email: 'race@acme.example' }
  const results = await Promise.all(
    Array.from({ length: 4 }, () => ws.request({ method: 'POST', url: '/v1/contacts', payload }))
  )
  t.equal(results.filter((r) => r.statusCode === 201).length, 1)
  for (const res of results.filter((r) => r.statusCode !== 201)) {
    t.equal(res.statusCode, 409, res.body)
    t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE)
    // The pre-check answers its own code; a race it lost is caught by the index.
    t.ok(['CRM_CONTACT_EMAIL_TAKEN', 'CRM_DUPLICATE'].includes(res.json().code))
    t.equal(res.json().errors[0].pointer, '/email')
  }
  t.equal((await contactIds(ws, 'email=race@acme.example')).length, 1)
})

t.test('checks the account and the owner', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const foreignAccount = await createAccount(other)
  const deletedAccount = await createAccount(ws)
  await ws.request({ method: 'DELETE', url: `/v1/accounts/${deletedAccount.id}` })
  const inactive = await createUser(app, ws, 'sales')
  await ws.request({
    method: 'PATCH', url: `/v1/users/${inactive.id}`, payload: { isActive: false }
  })
  const contact = await createContact(ws)

  const refused: [string, string, string][] = [
    ['a never-used account', 'accountId', randomUUID()],
    ['an account of another workspace', 'accountId', foreignAccount.id],
    ['a deleted account', 'accountId', deletedAccount.id],
    ['a never-used user', 'ownerId', randomUUID()],
    ['a user of another workspace', 'ownerId', other.userId],
    ['an inactive user', 'ownerId', inactive.id]
  ]
  for (const [name, field, id] of refused) {
    const post = await ws.request({
      method: 'POST', url: '/v1/contacts', payload: { lastName: 'X', [field]: id }
    })
    t.same(problemOf(post), problemIs(422, 'CRM_INVALID_REFERENCE'), name)
    t.equal(post.json().errors[0].pointer, `/${field}`, name)
    t.match(post.json().errors[0].message, id, name)
    const patch = await ws.request({
      method: 'PATCH', url: `/v1/contacts/${contact.id}`, payload: { [field]: id }
    })
    t.same(problemOf(patch), problemIs(422, 'CRM_INVALID_REFERENCE'), name)
    t.equal(patch.json().errors[0].pointer, `/${field}`, name)
  }

  // A foreign id fails exactly like a never-used one: only the id differs.
  const never = randomUUID()
  const a = await ws.request({
    method: 'POST', url: '/v1/contacts', payload: { lastName: 'X', accountId: never }
  })
  const b = await ws.request({
    method: 'POST', url: '/v1/contacts', payload: { lastName: 'X', accountId: foreignAccount.id }
  })
  t.equal(problemShape(a), problemShape(b))

  const account = await createAccount(ws)
  const linked = await ws.request({
    method: 'PATCH', url: `/v1/contacts/${contact.id}`, payload: { accountId: account.id }
  })
  t.equal(linked.statusCode, 200)
  t.equal(linked.json().accountId, account.id)
  const accountDelete = await ws.request({ method: 'DELETE', url: `/v1/accounts/${account.id}` })
  t.same(problemOf(accountDelete), problemIs(409, 'CRM_CONFLICT'))
  const unchanged = await ws.request({ method: 'GET', url: `/v1/contacts/${contact.id}` })
  t.equal(unchanged.json().version, 2)
})

t.test('deletes a contact, unless something still refers to it', async (t) => {
  const ws = await createWorkspace(app)
  const contact = await createContact(ws)

  const url = `/v1/contacts/${contact.id}`
  const stale = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"9"' } })
  t.same(problemOf(stale), problemIs(412, 'CRM_PRECONDITION_FAILED'))

  const removed = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"1"' } })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')
  for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
    const payload = method === 'PATCH' ? { payload: { title: 'X' } } : {}
    const res = await ws.request({ method, url, ...payload })
    t.same(problemOf(res), problemIs(404, 'CRM_CONTACT_NOT_FOUND'), method)
  }
  t.same(await contactIds(ws, ''), [])

  const account = await createAccount(ws)
  const referenced = await createContact(ws)
  const [opportunity] = await db.insert(opportunities).values({
    workspaceId: ws.workspaceId,
    name: 'Acme renewal',
    accountId: account.id,
    contactId: referenced.id,
    stage: 'prospecting',
    probability: 10,
    currency: 'EUR'
  }).returning()
  const now = new Date()
  const [supportCase] = await db.insert(cases).values({
    workspaceId: ws.workspaceId,
    number: 1,
    subject: 'Cannot sign in',
    contactId: referenced.id,
    firstResponseDueAt: now,
    resolutionDueAt: now
  }).returning()
  const lead = await createLead(ws)
  await db.update(leads).set({ convertedContactId: referenced.id }).where(eq(leads.id, lead.id))

  const blocked = await ws.request({ method: 'DELETE', url: `/v1/contacts/${referenced.id}` })
  t.same(problemOf(blocked), problemIs(409, 'CRM_CONFLICT'))
  t.match(blocked.json().detail, /1 opportunities, 1 cases, 1 converted leads/)

  // References from deleted rows do not count.
  await db.update(opportunities).set({ deletedAt: now })
    .where(eq(opportunities.id, opportunity?.id as string))
  await db.update(cases).set({ deletedAt: now }).where(eq(cases.id, supportCase?.id as string))
  const onlyLead = await ws.request({ method: 'DELETE', url: `/v1/contacts/${referenced.id}` })
  t.equal(onlyLead.statusCode, 409)
  t.match(onlyLead.json().detail, /1 converted leads/)
  t.notMatch(onlyLead.json().detail, /opportunities/)
  await db.update(leads).set({ deletedAt: now }).where(eq(leads.id, lead.id))
  const freed = await ws.request({ method: 'DELETE', url: `/v1/contacts/${referenced.id}` })
  t.equal(freed.statusCode, 204)
})

t.test('hides a contact from every other workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const contact = await createContact(ws)
  await createContact(other)

  const url = `/v1/contacts/${contact.id}`
  const read = await other.request({ method: 'GET', url })
  t.same(problemOf(read), problemIs(404, 'CRM_CONTACT_NOT_FOUND'))
  const patch = await other.request({ method: 'PATCH', url, payload: { title: 'Hijacked' } })
  t.same(problemOf(patch), problemIs(404, 'CRM_CONTACT_NOT_FOUND'))
  const remove = await other.request({ method: 'DELETE', url })
  t.same(problemOf(remove), problemIs(404, 'CRM_CONTACT_NOT_FOUND'))
  const list = await contactIds(other, '')
  t.equal(list.length, 1)
  t.notOk(list.includes(contact.id))
  const byEmail = await contactIds(other, `email=${encodeURIComponent(contact.email as string)}`)
  t.notOk(byEmail.includes(contact.id))

  const mine = await ws.request({ method: 'GET', url })
  t.same(mine.json(), contact, 'the other workspace changed nothing')
})

t.test('lets readers read and writers write', async (t) => {
  const ws = await createWorkspace(app)
  const contact = await createContact(ws)
  const readonly = await createUser(app, ws, 'readonly')
  const url = `/v1/contacts/${contact.id}`

  t.equal((await readonly.request({ method: 'GET', url })).statusCode, 200)
  t.equal((await readonly.request({ method: 'GET', url: '/v1/contacts' })).statusCode, 200)
  const writes = [
    { method: 'POST' as const, url: '/v1/contacts', payload: { lastName: 'X' } },
    { method: 'PATCH' as const, url, payload: { title: 'X' } },
    { method: 'DELETE' as const, url }
  ]
  for (const write of writes) {
    const res = await readonly.request(write)
    t.same(problemOf(res), problemIs(403, 'CRM_FORBIDDEN'), write.method)
  }

  for (const role of ['marketing', 'support', 'sales']) {
    const user = await createUser(app, ws, role)
    const made = await createContact(user)
    t.equal(made.ownerId, user.id, `${role} may create contacts, owned by default`)
  }

  const anonymous = await app.inject({ method: 'GET', url })
  t.same(problemOf(anonymous), problemIs(401, 'CRM_UNAUTHORIZED'))
})
