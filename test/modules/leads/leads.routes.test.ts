import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { campaigns } from '../../../src/modules/campaigns/campaigns.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { opportunities } from '../../../src/modules/opportunities/opportunities.table.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { problemIs, problemOf, problemShape } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The real app, Postgres and Redis; each test makes its own workspace.
// Campaigns, scores and conversions are written straight into the tables,
// since their own routes and jobs are not what is tested here.

const app = await buildTestApp(t)
const db = app.deps.db

type Requester = Pick<TestWorkspace, 'request'>

async function createCampaign (workspaceId: string, name = 'Spring webinar') {
  const [row] = await db
    .insert(campaigns)
    .values({ workspaceId, name, type: 'webinar', currency: 'EUR' })
    .returning()
  return row as typeof campaigns.$inferSelect
}

async function createAccount (ws: Requester) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Globex' } })
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`)
  return res.json() as { id: string }
}

const sorted = (ids: string[]) => [...ids].sort()

/** The ids of up to 200 leads, sorted, to compare as a set. */
const leadIds = async (ws: Requester, query: string) =>
  sorted(await listIds(ws, `/v1/leads?limit=200&${query}`))

t.test('creates a lead with every field, and defaults the rest', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws.workspaceId)
  const marketing = await createUser(app, ws, 'marketing')
  const body = {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@globex.example',
    phone: '+1 555 0142',
    company: 'Globex Corporation',
    title: 'Head of Engineering',
    website: 'https://www.globex.example',
    industry: 'Software',
    numberOfEmployees: 450,
    address: {
      street: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US'
    },
    source: 'campaign',
    status: 'contacted',
    rating: 'warm',
    estimatedAmount: '48000.5',
    currency: 'USD',
    campaignId: campaign.id,
    doNotCall: true,
    emailOptOut: true,
    ownerId: marketing.id,
    description: 'Asked for a demo at the webinar'
  }

  const created = await ws.request({ method: 'POST', url: '/v1/leads', payload: body })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.headers['content-type'], /^application\/json/)
  const lead = created.json()
  t.equal(created.headers.location, `/v1/leads/${lead.id}`)
  t.equal(created.headers.etag, '"1"')
  t.same(lead, {
    ...body,
    id: lead.id,
    estimatedAmount: '48000.50',
    score: null,
    scoredAt: null,
    convertedAt: null,
    convertedAccountId: null,
    convertedContactId: null,
    convertedOpportunityId: null,
    createdAt: lead.createdAt,
    updatedAt: lead.createdAt,
    version: 1
  })

  const read = await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), lead)

  const minimal = await ws.request({
    method: 'POST', url: '/v1/leads', payload: { lastName: 'Turing' }
  })
  t.equal(minimal.statusCode, 201, minimal.body)
  const m = minimal.json()
  t.same(m, {
    id: m.id,
    lastName: 'Turing',
    status: 'open',
    currency: 'EUR',
    doNotCall: false,
    emailOptOut: false,
    firstName: null,
    email: null,
    phone: null,
    company: null,
    title: null,
    website: null,
    industry: null,
    numberOfEmployees: null,
    address: null,
    source: null,
    rating: null,
    estimatedAmount: null,
    campaignId: null,
    ownerId: ws.userId,
    description: null,
    score: null,
    scoredAt: null,
    convertedAt: null,
    convertedAccountId: null,
    convertedContactId: null,
    convertedOpportunityId: null,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    version: 1
  }, 'open, in the workspace currency, owned by the caller')
})

t.test('refuses invalid and read-only fields with 400 and a pointer', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const invalid: [string, 'POST' | 'PATCH', Record<string, unknown>, string][] = [
    ['unknown property', 'POST', { lastName: 'X', nickname: 'Y' }, '/nickname'],
    ['missing lastName', 'POST', { company: 'X' }, '/lastName'],
    ['converted status', 'POST', { lastName: 'X', status: 'converted' }, '/status'],
    ['unknown status', 'POST', { lastName: 'X', status: 'won' }, '/status'],
    ['unknown source', 'POST', { lastName: 'X', source: 'pigeon' }, '/source'],
    ['unknown rating', 'POST', { lastName: 'X', rating: 'lukewarm' }, '/rating'],
    ['float money', 'POST', { lastName: 'X', estimatedAmount: 12.5 }, '/estimatedAmount'],
    ['three decimals', 'POST', { lastName: 'X', estimatedAmount: '1.005' }, '/estimatedAmount'],
    ['bad currency', 'POST', { lastName: 'X', currency: 'euro' }, '/currency'],
    ['score sent', 'POST', { lastName: 'X', score: 80 }, '/score'],
    ['convertedAt sent', 'POST', { lastName: 'X', convertedAt: '2026-01-01T00:00:00.000Z' },
      '/convertedAt'],
    ['converted status in a patch', 'PATCH', { status: 'converted' }, '/status'],
    ['score in a patch', 'PATCH', { score: 99 }, '/score'],
    ['scoredAt in a patch', 'PATCH', { scoredAt: '2026-01-01T00:00:00.000Z' }, '/scoredAt'],
    ['convertedAccountId', 'PATCH', { convertedAccountId: randomUUID() }, '/convertedAccountId'],
    ['convertedContactId', 'PATCH', { convertedContactId: randomUUID() }, '/convertedContactId'],
    ['convertedOpportunityId', 'PATCH', { convertedOpportunityId: randomUUID() },
      '/convertedOpportunityId'],
    ['id in a patch', 'PATCH', { id: randomUUID() }, '/id'],
    ['version in a patch', 'PATCH', { version: 2 }, '/version'],
    ['status cleared', 'PATCH', { status: null }, '/status'],
    ['currency cleared', 'PATCH', { currency: null }, '/currency']
  ]
  for (const [name, method, payload, pointer] of invalid) {
    const url = method === 'POST' ? '/v1/leads' : `/v1/leads/${lead.id}`
    const res = await ws.request({ method, url, payload })
    t.same(problemOf(res), problemIs(400, 'CRM_VALIDATION_ERROR'), name)
    t.equal(res.json().errors[0].pointer, pointer, name)
  }
  const after = await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })
  t.same(after.json(), lead, 'refused patches change nothing')
})

t.test('moves between the open statuses in any order', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  let version = 1
  const path = ['qualified', 'open', 'unqualified', 'contacted', 'qualified', 'unqualified', 'open']
  for (const status of path) {
    const res = await ws.request({
      method: 'PATCH',
      url: `/v1/leads/${lead.id}`,
      headers: { 'if-match': `"${version}"` },
      payload: { status }
    })
    t.equal(res.statusCode, 200, `${status}: ${res.body}`)
    t.equal(res.json().status, status)
    version = res.json().version
  }
  t.equal(version, 8)
})

t.test('refuses every change of a converted lead', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const convertedAt = new Date('2026-11-30T09:00:00.000Z')
  await db.update(leads).set({ status: 'converted', convertedAt }).where(eq(leads.id, lead.id))

  const read = await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })
  t.equal(read.statusCode, 200)
  t.equal(read.json().status, 'converted')
  t.equal(read.json().convertedAt, convertedAt.toISOString())

  for (const payload of [{ status: 'open' }, { phone: '+1 555 0100' }, { description: null }, {}]) {
    const res = await ws.request({
      method: 'PATCH', url: `/v1/leads/${lead.id}`, headers: { 'if-match': '"1"' }, payload
    })
    t.same(problemOf(res), problemIs(409, 'CRM_LEAD_CONVERTED'), JSON.stringify(payload))
    t.match(res.json(), {
      type: '/problems/lead-converted',
      title: 'Lead converted',
      status: 409,
      instance: `/v1/leads/${lead.id}`,
      detail: /converted/
    })
  }
  const after = await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })
  t.same(after.json(), read.json(), 'nothing changed')

  const listed = await leadIds(ws, 'status=converted')
  t.same(listed, [lead.id])
})

t.test('walks every page of the list exactly once', async (t) => {
  const ws = await createWorkspace(app)
  const made: string[] = []
  for (let i = 0; i < 5; i++) made.push((await createLead(ws, { lastName: `Lead ${i}` })).id)

  const { ids, pages } = await walkList(ws, '/v1/leads', 2)
  t.equal(pages, 3)
  t.same(ids, [...made].reverse(), 'newest first, each once')

  const tooMany = await ws.request({ method: 'GET', url: '/v1/leads?limit=500' })
  t.same(problemOf(tooMany), problemIs(400, 'CRM_VALIDATION_ERROR'))
  const badSort = await ws.request({ method: 'GET', url: '/v1/leads?sort=rating' })
  t.same(problemOf(badSort), problemIs(400, 'CRM_VALIDATION_ERROR'))
  const badFilter = await ws.request({ method: 'GET', url: '/v1/leads?website=x' })
  t.same(problemOf(badFilter), problemIs(400, 'CRM_VALIDATION_ERROR'))
})

t.test('sorts by score, estimatedAmount, company and lastName', async (t) => {
  const ws = await createWorkspace(app)
  const specs: [string, string | null, string | null, number | null][] = [
    ['Cole', 'Initech', '300.00', 40],
    ['Adams', null, null, null],
    ['Evans', 'Acme', '50.00', 90],
    ['Baker', 'Hooli', '1200.00', 10],
    ['Diaz', 'Globex', null, null]
  ]
  const byName: Record<string, string> = {}
  for (const [lastName, company, estimatedAmount, score] of specs) {
    const lead = await createLead(ws, { lastName, company, estimatedAmount })
    if (score !== null) await db.update(leads).set({ score }).where(eq(leads.id, lead.id))
    byName[lastName] = lead.id
  }
  const ids = (names: string[]) => names.map((n) => byName[n] as string)
  const unscored = sorted(ids(['Adams', 'Diaz']))

  const up = await walkList(ws, '/v1/leads?sort=score', 2)
  t.same(up.ids.slice(0, 3), ids(['Baker', 'Cole', 'Evans']))
  t.same(sorted(up.ids.slice(3)), unscored, 'unscored leads come last')
  const down = await walkList(ws, '/v1/leads?sort=-score', 2)
  t.same(down.ids.slice(0, 3), ids(['Evans', 'Cole', 'Baker']))
  t.same(sorted(down.ids.slice(3)), unscored, 'unscored leads come last either way')

  const amount = await walkList(ws, '/v1/leads?sort=-estimatedAmount', 2)
  t.same(amount.ids.slice(0, 3), ids(['Baker', 'Cole', 'Evans']), 'amounts compare as numbers')
  const amountUp = await walkList(ws, '/v1/leads?sort=estimatedAmount', 2)
  t.same(amountUp.ids.slice(0, 3), ids(['Evans', 'Cole', 'Baker']))

  const company = await walkList(ws, '/v1/leads?sort=company', 3)
  t.same(company.ids, ids(['Evans', 'Diaz', 'Baker', 'Cole', 'Adams']))
  const name = await walkList(ws, '/v1/leads?sort=-lastName', 2)
  t.same(name.ids, ids(['Evans', 'Diaz', 'Cole', 'Baker', 'Adams']))
  const combined = await walkList(ws, '/v1/leads?sort=-score,lastName', 2)
  t.same(combined.ids, ids(['Evans', 'Cole', 'Baker', 'Adams', 'Diaz']))
})

t.test('filters and searches', async (t) => {
  const ws = await createWorkspace(app)
  const sales = await createUser(app, ws, 'sales')
  const campaign = await createCampaign(ws.workspaceId)
  const a = await createLead(ws, {
    firstName: 'Grace', lastName: 'Hopper', email: 'Grace@Navy.example', company: 'US Navy',
    industry: 'Defense', status: 'qualified', source: 'campaign', rating: 'hot',
    campaignId: campaign.id, estimatedAmount: '5000', doNotCall: true
  })
  const b = await createLead(ws, {
    firstName: 'Alan', lastName: 'Turing', email: 'alan@bletchley.example',
    company: 'Bletchley Park',
    industry: 'Research', status: 'contacted', source: 'referral', rating: 'cold',
    estimatedAmount: '250.00', emailOptOut: true, ownerId: sales.id
  })
  const c = await createLead(ws, { firstName: 'Ada', lastName: 'Lovelace', company: null })
  await db.update(leads).set({ score: 85 }).where(eq(leads.id, a.id))
  await db.update(leads).set({ score: 20 }).where(eq(leads.id, b.id))
  const old = new Date('2020-01-01T00:00:00.000Z')
  await db.update(leads).set({ createdAt: old, updatedAt: old }).where(eq(leads.id, c.id))
  await db.update(leads).set({ updatedAt: old }).where(eq(leads.id, b.id))

  const expectations: [string, string[]][] = [
    ['status=qualified', [a.id]],
    ['status=qualified,contacted', [a.id, b.id]],
    ['status=open', [c.id]],
    ['status=unqualified', []],
    ['source=campaign', [a.id]],
    ['source=campaign,referral', [a.id, b.id]],
    ['source=web', []],
    ['rating=hot', [a.id]],
    ['rating=warm', []],
    [`campaignId=${campaign.id}`, [a.id]],
    [`campaignId=${randomUUID()}`, []],
    [`ownerId=${sales.id}`, [b.id]],
    [`ownerId=${ws.userId}`, [a.id, c.id]],
    ['email=grace@navy.EXAMPLE', [a.id]],
    ['email=nobody@navy.example', []],
    ['company=us%20navy', [a.id]],
    ['company=us%20navy,bletchley%20park', [a.id, b.id]],
    ['company=Navy', []],
    ['industry=research', [b.id]],
    ['industry=Retail', []],
    ['scoreMin=50', [a.id]],
    ['scoreMax=50', [b.id]],
    ['scoreMin=20&scoreMax=85', [a.id, b.id]],
    ['scoreMin=86', []],
    ['estimatedAmountMin=1000', [a.id]],
    ['estimatedAmountMax=250', [b.id]],
    ['estimatedAmountMin=250.00&estimatedAmountMax=5000.00', [a.id, b.id]],
    ['doNotCall=true', [a.id]],
    ['doNotCall=false', [b.id, c.id]],
    ['emailOptOut=true', [b.id]],
    ['emailOptOut=false', [a.id, c.id]],
    ['createdAtTo=2021-01-01T00:00:00.000Z', [c.id]],
    ['createdAtFrom=2021-01-01T00:00:00.000Z', [a.id, b.id]],
    ['updatedAtTo=2021-01-01T00:00:00.000Z', [b.id, c.id]],
    ['updatedAtFrom=2021-01-01T00:00:00.000Z', [a.id]],
    ['status=qualified&rating=cold', []],
    ['q=hopper', [a.id]],
    ['q=bletchley', [b.id]],
    ['q=navy.example', [a.id]],
    ['q=ada', [c.id]],
    ['q=grace%20navy', [a.id]],
    ['q=grace%20turing', []]
  ]
  for (const [query, expected] of expectations) {
    t.same(await leadIds(ws, query), sorted(expected), query)
  }

  const badRange = await ws.request({ method: 'GET', url: '/v1/leads?scoreMin=-1' })
  t.same(problemOf(badRange), problemIs(400, 'CRM_VALIDATION_ERROR'))
  t.equal(badRange.json().errors[0].pointer, 'scoreMin')
  const badMoney = await ws.request({ method: 'GET', url: '/v1/leads?estimatedAmountMin=ten' })
  t.same(problemOf(badMoney), problemIs(400, 'CRM_VALIDATION_ERROR'))
})

t.test('updates with If-Match, merges, and clears with null', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, {
    rating: 'cold',
    estimatedAmount: '100',
    address: { city: 'Arlington', country: 'US' }
  })
  t.equal(lead.estimatedAmount, '100.00')

  const patched = await ws.request({
    method: 'PATCH',
    url: `/v1/leads/${lead.id}`,
    headers: { 'if-match': '"1"' },
    payload: {
      rating: 'hot', estimatedAmount: '2500.5', currency: 'GBP', address: { region: 'VA' }
    }
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.headers.etag, '"2"')
  const after = patched.json()
  t.equal(after.rating, 'hot')
  t.equal(after.estimatedAmount, '2500.50')
  t.equal(after.currency, 'GBP')
  t.same(after.address, {
    street: null, city: 'Arlington', region: 'VA', postalCode: null, country: 'US'
  })
  t.equal(after.company, lead.company, 'absent fields stay')

  const stale = await ws.request({
    method: 'PATCH',
    url: `/v1/leads/${lead.id}`,
    headers: { 'if-match': '"1"' },
    payload: { rating: 'cold' }
  })
  t.same(problemOf(stale), problemIs(412, 'CRM_PRECONDITION_FAILED'))
  t.same((await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })).json(), after)

  const cleared = await ws.request({
    method: 'PATCH',
    url: `/v1/leads/${lead.id}`,
    payload: { rating: null, estimatedAmount: null, address: null, company: null }
  })
  t.equal(cleared.statusCode, 200)
  t.match(cleared.json(), {
    rating: null, estimatedAmount: null, address: null, company: null, version: 3
  })
})

t.test('checks the campaign and the owner', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const foreignCampaign = await createCampaign(other.workspaceId)
  const deletedCampaign = await createCampaign(ws.workspaceId, 'Old campaign')
  await db.update(campaigns).set({ deletedAt: new Date() })
    .where(eq(campaigns.id, deletedCampaign.id))
  const inactive = await createUser(app, ws, 'sales')
  await ws.request({
    method: 'PATCH', url: `/v1/users/${inactive.id}`, payload: { isActive: false }
  })
  const lead = await createLead(ws)

  const refused: [string, string, string][] = [
    ['a never-used campaign', 'campaignId', randomUUID()],
    ['a campaign of another workspace', 'campaignId', foreignCampaign.id],
    ['a deleted campaign', 'campaignId', deletedCampaign.id],
    ['a never-used user', 'ownerId', randomUUID()],
    ['a user of another workspace', 'ownerId', other.userId],
    ['an inactive user', 'ownerId', inactive.id]
  ]
  for (const [name, field, id] of refused) {
    const post = await ws.request({
      method: 'POST', url: '/v1/leads', payload: { lastName: 'X', [field]: id }
    })
    t.same(problemOf(post), problemIs(422, 'CRM_INVALID_REFERENCE'), name)
    t.equal(post.json().errors[0].pointer, `/${field}`, name)
    const patch = await ws.request({
      method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { [field]: id }
    })
    t.same(problemOf(patch), problemIs(422, 'CRM_INVALID_REFERENCE'), name)
    t.equal(patch.json().errors[0].pointer, `/${field}`, name)
  }

  const never = randomUUID()
  const a = await ws.request({
    method: 'POST', url: '/v1/leads', payload: { lastName: 'X', campaignId: never }
  })
  const b = await ws.request({
    method: 'POST', url: '/v1/leads', payload: { lastName: 'X', campaignId: foreignCampaign.id }
  })
  t.equal(
    problemShape(a), problemShape(b), 'a foreign campaign fails exactly like a never-used one'
  )

  const campaign = await createCampaign(ws.workspaceId)
  const linked = await ws.request({
    method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { campaignId: campaign.id }
  })
  t.equal(linked.statusCode, 200)
  t.equal(linked.json().campaignId, campaign.id)
  t.equal((await ws.request({ method: 'GET', url: `/v1/leads/${lead.id}` })).json().version, 2)
})

t.test('deletes a lead, unless an opportunity refers to it', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)

  const removed = await ws.request({ method: 'DELETE', url: `/v1/leads/${lead.id}` })
  t.equal(removed.statusCode, 204)
  for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
    const payload = method === 'PATCH' ? { payload: { rating: 'hot' } } : {}
    const res = await ws.request({ method, url: `/v1/leads/${lead.id}`, ...payload })
    t.same(problemOf(res), problemIs(404, 'CRM_LEAD_NOT_FOUND'), method)
  }
  t.same(await leadIds(ws, ''), [])

  const referenced = await createLead(ws)
  const account = await createAccount(ws)
  const [opportunity] = await db.insert(opportunities).values({
    workspaceId: ws.workspaceId,
    name: 'Globex pilot',
    accountId: account.id,
    leadId: referenced.id,
    stage: 'prospecting',
    probability: 10,
    currency: 'EUR'
  }).returning()
  const blocked = await ws.request({ method: 'DELETE', url: `/v1/leads/${referenced.id}` })
  t.same(problemOf(blocked), problemIs(409, 'CRM_CONFLICT'))
  t.match(blocked.json().detail, /1 opportunities/)
  t.equal((await ws.request({ method: 'GET', url: `/v1/leads/${referenced.id}` })).statusCode, 200)

  await db.update(opportunities).set({ deletedAt: new Date() })
    .where(eq(opportunities.id, opportunity?.id as string))
  const freed = await ws.request({
    method: 'DELETE', url: `/v1/leads/${referenced.id}`, headers: { 'if-match': '"1"' }
  })
  t.equal(freed.statusCode, 204)

  // A lead converted into a contact keeps that contact from being deleted.
  const contact = await createContact(ws)
  const converted = await createLead(ws)
  await db.update(leads).set({ status: 'converted', convertedContactId: contact.id })
    .where(eq(leads.id, converted.id))
  const contactDelete = await ws.request({ method: 'DELETE', url: `/v1/contacts/${contact.id}` })
  t.equal(contactDelete.statusCode, 409)
})

t.test('hides a lead from every other workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const lead = await createLead(ws)
  await createLead(other)

  const url = `/v1/leads/${lead.id}`
  const read = await other.request({ method: 'GET', url })
  t.same(problemOf(read), problemIs(404, 'CRM_LEAD_NOT_FOUND'))
  const patch = await other.request({ method: 'PATCH', url, payload: { status: 'qualified' } })
  t.same(problemOf(patch), problemIs(404, 'CRM_LEAD_NOT_FOUND'))
  const remove = await other.request({ method: 'DELETE', url })
  t.same(problemOf(remove), problemIs(404, 'CRM_LEAD_NOT_FOUND'))
  const list = await leadIds(other, '')
  t.equal(list.length, 1)
  t.notOk(list.includes(lead.id))
  t.notOk((await leadIds(other, 'company=globex')).includes(lead.id))

  const mine = await ws.request({ method: 'GET', url })
  t.same(mine.json(), lead, 'the other workspace changed nothing')
})

t.test('lets readers read and writers write', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const url = `/v1/leads/${lead.id}`
  const writes = [
    { method: 'POST' as const, url: '/v1/leads', payload: { lastName: 'X' } },
    { method: 'PATCH' as const, url, payload: { rating: 'hot' } },
    { method: 'DELETE' as const, url }
  ]
  for (const role of ['readonly', 'support']) {
    const user = await createUser(app, ws, role)
    t.equal((await user.request({ method: 'GET', url })).statusCode, 200, `${role} reads`)
    const list = await user.request({ method: 'GET', url: '/v1/leads' })
    t.equal(list.statusCode, 200, `${role} lists`)
    for (const write of writes) {
      const res = await user.request(write)
      t.same(problemOf(res), problemIs(403, 'CRM_FORBIDDEN'), `${role} ${write.method}`)
    }
  }
  for (const role of ['sales', 'marketing']) {
    const user = await createUser(app, ws, role)
    const made = await createLead(user)
    t.equal(made.ownerId, user.id, `${role} may create leads, owned by default`)
  }
  t.equal((await ws.request({ method: 'GET', url })).json().version, 1)
})
