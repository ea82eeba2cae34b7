import { eq } from 'drizzle-orm'
import t from 'tap'
import { campaigns } from '../../../src/modules/campaigns/campaigns.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { opportunities } from '../../../src/modules/opportunities/opportunities.table.js'
import { createCampaign } from '../../fixtures/campaigns.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp, type Response } from '../../helper.js'

// The real app on the real Postgres and Redis. The leads and opportunities
// that point at a campaign are inserted straight into their tables: these
// tests are about campaigns, and those modules test how their records are made.

const NEVER_USED = '00000000-0000-4000-8000-000000000000'

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>

/** The ids of one page of campaigns, in the order served. */
const campaignIds = (ws: Caller, query: string) => listIds(ws, `/v1/campaigns?${query}`)

function patchCampaign (ws: Caller, id: string, payload: Record<string, unknown>) {
  return ws.request({ method: 'PATCH', url: `/v1/campaigns/${id}`, payload })
}

const FULL = {
  name: 'Spring product launch',
  type: 'newsletter',
  status: 'active',
  startDate: '2027-03-01',
  endDate: '2027-03-31',
  budget: '15000',
  actualCost: '4200.5',
  expectedRevenue: '120000.00',
  currency: 'USD',
  description: 'Announces the new product line to existing customers.',
  subject: 'Meet the new line, {{firstName}}',
  fromName: 'Acme Marketing',
  fromEmail: 'marketing@acme.example',
  replyTo: 'sales@acme.example',
  htmlBody: '<p>Hello {{firstName}},</p>',
  textBody: 'Hello {{firstName}},'
}

t.test('creates a campaign with its defaults and every field round-tripping', async (t) => {
  const ws = await createWorkspace(app)
  const marketer = await createUser(app, ws, 'marketing')
  const parent = await createCampaign(ws, { name: 'Year of launches', type: 'other' })

  const minimal = await ws.request({
    method: 'POST', url: '/v1/campaigns', payload: { name: 'Webinar series', type: 'webinar' }
  })
  t.equal(minimal.statusCode, 201, minimal.body)
  const plain = minimal.json()
  t.equal(minimal.headers.location, `/v1/campaigns/${plain.id}`)
  t.equal(minimal.headers.etag, '"1"')
  t.match(minimal.headers['content-type'], /^application\/json/)
  t.equal(plain.status, 'planned')
  t.equal(plain.currency, 'EUR', 'the workspace currency')
  t.equal(plain.ownerId, ws.userId)
  t.equal(plain.version, 1)
  for (const field of ['startDate', 'endDate', 'budget', 'actualCost', 'expectedRevenue',
    'parentCampaignId', 'description', 'subject', 'fromName', 'fromEmail', 'replyTo',
    'htmlBody', 'textBody']) {
    t.equal(plain[field], null, `${field} is null`)
  }

  const body = { ...FULL, parentCampaignId: parent.id, ownerId: marketer.id }
  const full = await ws.request({ method: 'POST', url: '/v1/campaigns', payload: body })
  t.equal(full.statusCode, 201, full.body)
  const record = full.json()
  t.same(record, {
    ...body,
    budget: '15000.00',
    actualCost: '4200.50',
    sendRatePerSecond: null,
    sendStatus: null,
    sendAt: null,
    sendStartedAt: null,
    sendFinishedAt: null,
    sendSkipped: null,
    sendJobId: null,
    id: record.id,
    createdAt: record.createdAt,
    updatedAt: record.createdAt,
    version: 1
  })

  const read = await ws.request({ method: 'GET', url: `/v1/campaigns/${record.id}` })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), record)
})

t.test('validates required, unknown and read-only fields, emails and body sizes', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const post = (payload: Record<string, unknown>) =>
    ws.request({ method: 'POST', url: '/v1/campaigns', payload })
  const pointer = (res: Response) => res.json().errors[0].pointer

  const noType = await post({ name: 'No type' })
  assertProblem(t, noType, 400, 'CRM_VALIDATION_ERROR')
  t.equal(pointer(noType), '/type')
  const badType = await post({ name: 'x', type: 'fax' })
  assertProblem(t, badType, 400, 'CRM_VALIDATION_ERROR')
  t.equal(pointer(badType), '/type')

  const unknown = await post({ name: 'x', type: 'email', audience: 'all' })
  assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
  t.same(unknown.json().errors[0], { pointer: '/audience', message: 'is not a known property' })

  const readOnly = { id: campaign.id, version: 2, createdAt: campaign.createdAt }
  for (const [field, value] of Object.entries(readOnly)) {
    const created = await post({ name: 'x', type: 'email', [field]: value })
    assertProblem(t, created, 400, 'CRM_VALIDATION_ERROR')
    t.equal(pointer(created), `/${field}`)
    const patched = await patchCampaign(ws, campaign.id, { [field]: value })
    assertProblem(t, patched, 400, 'CRM_VALIDATION_ERROR')
    t.equal(pointer(patched), `/${field}`)
  }

  for (const field of ['fromEmail', 'replyTo']) {
    const res = await post({ name: 'x', type: 'email', [field]: 'not an address' })
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(pointer(res), `/${field}`)
  }
  const money = await post({ name: 'x', type: 'email', budget: '12.345' })
  assertProblem(t, money, 400, 'CRM_VALIDATION_ERROR')
  t.equal(pointer(money), '/budget')
  const date = await post({ name: 'x', type: 'email', startDate: '2027-02-30' })
  assertProblem(t, date, 400, 'CRM_VALIDATION_ERROR')
  t.equal(pointer(date), '/startDate')
  const clearCurrency = await patchCampaign(ws, campaign.id, { currency: null })
  assertProblem(t, clearCurrency, 400, 'CRM_VALIDATION_ERROR')
  t.equal(pointer(clearCurrency), '/currency')

  const longest = 'x'.repeat(200_000)
  const big = await post({ name: 'Long', type: 'email', htmlBody: longest, textBody: longest })
  t.equal(big.statusCode, 201, 'both bodies at the cap fit in one request')
  t.equal(big.json().htmlBody.length, 200_000)
  for (const field of ['htmlBody', 'textBody']) {
    const res = await post({ name: 'x', type: 'email', [field]: `${longest}x` })
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(pointer(res), `/${field}`)
  }

  const unchanged = await ws.request({ method: 'GET', url: `/v1/campaigns/${campaign.id}` })
  t.equal(unchanged.json().version, 1)
})

t.test('walks every page of the list exactly once and sorts by each sortable field', async (t) => {
  const ws = await createWorkspace(app)
  const rows = [
    { name: 'Delta', budget: '300', startDate: '2027-01-10', endDate: '2027-02-01' },
    { name: 'Alpha', budget: '100.50', startDate: '2027-03-01', endDate: null },
    { name: 'Charlie', budget: null, startDate: null, endDate: '2027-01-15' },
    { name: 'Bravo', budget: '2000', startDate: '2027-02-01', endDate: '2027-02-28' },
    { name: 'Echo', budget: '100.49', startDate: '2026-12-24', endDate: '2027-06-30' }
  ]
  const made: Record<string, string> = {}
  for (const row of rows) made[row.name] = (await createCampaign(ws, row)).id
  const ids = (...names: string[]) => names.map((n) => made[n])

  const { ids: seen, pages } = await walkList(ws, '/v1/campaigns', 2, { t, each: ['status'] })
  t.equal(pages, 3)
  t.same(seen, ids('Echo', 'Bravo', 'Charlie', 'Alpha', 'Delta'), 'newest first, each once')

  t.same(await campaignIds(ws, 'sort=budget'), ids('Echo', 'Alpha', 'Delta', 'Bravo', 'Charlie'))
  const descending = ids('Bravo', 'Delta', 'Alpha', 'Echo', 'Charlie')
  t.same(await campaignIds(ws, 'sort=-budget'), descending, 'nulls last')
  t.same(await campaignIds(ws, 'sort=startDate'), ids('Echo', 'Delta', 'Bravo', 'Alpha', 'Charlie'))
  t.same(await campaignIds(ws, 'sort=-endDate'), ids('Echo', 'Bravo', 'Delta', 'Charlie', 'Alpha'))
  t.same(await campaignIds(ws, 'sort=-name'), ids('Echo', 'Delta', 'Charlie', 'Bravo', 'Alpha'))

  const paged = await walkList(ws, '/v1/campaigns?sort=-budget', 2, { t, each: ['status'] })
  t.same(paged.ids, descending, 'pages through the null budget')

  const badSort = await ws.request({ method: 'GET', url: '/v1/campaigns?sort=status' })
  assertProblem(t, badSort, 400, 'CRM_VALIDATION_ERROR')
  t.equal(badSort.json().errors[0].pointer, 'sort')
})

t.test('filters by every documented field and searches name and description', async (t) => {
  const ws = await createWorkspace(app)
  const marketer = await createUser(app, ws, 'marketing')
  const parent = await createCampaign(ws, { name: 'Umbrella', type: 'other', status: 'completed' })
  const a = await createCampaign(ws, {
    name: 'Trade fair Hannover',
    type: 'event',
    status: 'active',
    startDate: '2027-04-01',
    endDate: '2027-04-05',
    budget: '50000',
    parentCampaignId: parent.id,
    ownerId: marketer.id
  })
  const b = await createCampaign(ws, {
    name: 'Winter newsletter',
    type: 'newsletter',
    description: 'Quarterly product news for subscribers',
    startDate: '2027-01-10',
    endDate: '2027-01-10',
    budget: '250'
  })

  const expectations: [string, string[]][] = [
    ['type=event', [a.id]],
    ['type=newsletter,email', [b.id]],
    ['status=active', [a.id]],
    ['status=planned,completed', [b.id, parent.id]],
    [`ownerId=${marketer.id}`, [a.id]],
    [`ownerId=${ws.userId}`, [b.id, parent.id]],
    [`parentCampaignId=${parent.id}`, [a.id]],
    ['startDateFrom=2027-04-01', [a.id]],
    ['startDateTo=2027-01-10', [b.id]],
    ['startDateFrom=2027-01-11&startDateTo=2027-03-31', []],
    ['endDateFrom=2027-02-01', [a.id]],
    ['endDateTo=2027-04-04', [b.id]],
    ['budgetMin=250.01', [a.id]],
    ['budgetMax=250', [b.id]],
    ['budgetMin=250&budgetMax=50000', [b.id, a.id]],
    [`createdAtFrom=${b.createdAt}`, [b.id]],
    [`createdAtTo=${parent.createdAt}`, [parent.id]],
    ['q=hannover', [a.id]],
    ['q=QUARTERLY news', [b.id]],
    ['q=fair subscribers', []]
  ]
  for (const [query, expected] of expectations) {
    t.same(await campaignIds(ws, query), expected, query)
  }

  const touched = await patchCampaign(ws, parent.id, { status: 'aborted' })
  t.same(await campaignIds(ws, `updatedAtFrom=${touched.json().updatedAt}`), [parent.id])
  t.same(await campaignIds(ws, `updatedAtTo=${b.updatedAt}`), [b.id, a.id])

  const badRange = await ws.request({ method: 'GET', url: '/v1/campaigns?budgetMin=ten' })
  assertProblem(t, badRange, 400, 'CRM_VALIDATION_ERROR')
  t.equal(badRange.json().errors[0].pointer, 'budgetMin')
  const unknown = await ws.request({ method: 'GET', url: '/v1/campaigns?currency=EUR' })
  assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
})

t.test('updates with If-Match, refuses a stale ETag and clears fields with null', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws, { ...FULL })

  const patched = await ws.request({
    method: 'PATCH',
    url: `/v1/campaigns/${campaign.id}`,
    headers: { 'if-match': '"1"' },
    payload: { status: 'paused', actualCost: '5000', subject: null, endDate: null, currency: 'GBP' }
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.headers.etag, '"2"')
  const after = patched.json()
  t.match(after, { version: 2, status: 'paused', actualCost: '5000.00' })
  t.match(after, { subject: null, endDate: null })
  t.equal(after.currency, 'GBP')
  t.equal(after.htmlBody, FULL.htmlBody, 'absent fields stay')

  const stale = await ws.request({
    method: 'PATCH',
    url: `/v1/campaigns/${campaign.id}`,
    headers: { 'if-match': '"1"' },
    payload: { name: 'Lost update' }
  })
  assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')
  const read = await ws.request({ method: 'GET', url: `/v1/campaigns/${campaign.id}` })
  t.same(read.json(), after, 'nothing changed')

  const clearName = await patchCampaign(ws, campaign.id, { name: null })
  assertProblem(t, clearName, 400, 'CRM_VALIDATION_ERROR')
  t.equal(clearName.json().errors[0].pointer, '/name')
})

t.test('refuses an end date before the start date, on the merged campaign', async (t) => {
  const ws = await createWorkspace(app)

  const backwards = await ws.request({
    method: 'POST',
    url: '/v1/campaigns',
    payload: { name: 'x', type: 'event', startDate: '2027-05-02', endDate: '2027-05-01' }
  })
  assertProblem(t, backwards, 422, 'CRM_UNPROCESSABLE')
  t.same(backwards.json().errors, [
    { pointer: '/endDate', message: 'endDate 2027-05-01 is before startDate 2027-05-02' }
  ])

  const oneDay = await createCampaign(ws, { startDate: '2027-05-01', endDate: '2027-05-01' })
  t.equal(oneDay.endDate, '2027-05-01', 'a campaign may start and end on one day')

  const laterStart = await patchCampaign(ws, oneDay.id, { startDate: '2027-05-02' })
  assertProblem(t, laterStart, 422, 'CRM_UNPROCESSABLE')
  t.equal(laterStart.json().errors[0].pointer, '/endDate')
  const earlierEnd = await patchCampaign(ws, oneDay.id, { endDate: '2027-04-30' })
  assertProblem(t, earlierEnd, 422, 'CRM_UNPROCESSABLE')
  t.equal(earlierEnd.json().errors[0].pointer, '/endDate')
  const unchanged = await ws.request({ method: 'GET', url: `/v1/campaigns/${oneDay.id}` })
  t.equal(unchanged.json().version, 1)

  const dates = { startDate: '2027-06-01', endDate: '2027-06-30' }
  const both = await patchCampaign(ws, oneDay.id, dates)
  t.equal(both.statusCode, 200, both.body)
  const open = await patchCampaign(ws, oneDay.id, { endDate: null, startDate: '2028-01-01' })
  t.equal(open.statusCode, 200, 'no end date, no order to keep')
})

t.test('checks parent and owner like never-used ids, and refuses cycles', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const foreignCampaign = await createCampaign(other)
  const root = await createCampaign(ws, { name: 'Root' })
  const child = await createCampaign(ws, { name: 'Child', parentCampaignId: root.id })
  const grandchild = await createCampaign(ws, { name: 'Grandchild', parentCampaignId: child.id })
  t.equal(grandchild.parentCampaignId, child.id)

  const refs: [string, string][] = [
    ['parentCampaignId', foreignCampaign.id],
    ['parentCampaignId', NEVER_USED],
    ['ownerId', other.userId],
    ['ownerId', NEVER_USED]
  ]
  for (const [field, id] of refs) {
    const created = await ws.request({
      method: 'POST', url: '/v1/campaigns', payload: { name: 'x', type: 'email', [field]: id }
    })
    assertProblem(t, created, 422, 'CRM_INVALID_REFERENCE')
    t.equal(created.json().errors[0].pointer, `/${field}`)
    t.match(created.json().errors[0].message, `with id ${id}`)
    const patched = await patchCampaign(ws, root.id, { [field]: id })
    assertProblem(t, patched, 422, 'CRM_INVALID_REFERENCE')
    t.equal(patched.json().errors[0].pointer, `/${field}`)
  }

  for (const parentCampaignId of [root.id, child.id, grandchild.id]) {
    const res = await patchCampaign(ws, root.id, { parentCampaignId })
    assertProblem(t, res, 422, 'CRM_UNPROCESSABLE')
    t.equal(res.json().errors[0].pointer, '/parentCampaignId')
  }

  const deleted = await createCampaign(ws, { name: 'Gone' })
  await ws.request({ method: 'DELETE', url: `/v1/campaigns/${deleted.id}` })
  const toDeleted = await patchCampaign(ws, root.id, { parentCampaignId: deleted.id })
  assertProblem(t, toDeleted, 422, 'CRM_INVALID_REFERENCE')

  const leaver = await createUser(app, ws, 'marketing')
  await ws.request({ method: 'PATCH', url: `/v1/users/${leaver.id}`, payload: { isActive: false } })
  const inactive = await patchCampaign(ws, root.id, { ownerId: leaver.id })
  assertProblem(t, inactive, 422, 'CRM_INVALID_REFERENCE')
  t.equal(inactive.json().errors[0].pointer, '/ownerId')

  const moved = await patchCampaign(ws, grandchild.id, { parentCampaignId: root.id })
  t.equal(moved.statusCode, 200, moved.body)
  const detached = await patchCampaign(ws, grandchild.id, { parentCampaignId: null })
  t.equal(detached.json().parentCampaignId, null)
  t.equal((await ws.request({ method: 'GET', url: `/v1/campaigns/${root.id}` })).json().version, 1)
})

t.test('deletes a campaign unless leads, opportunities or children refer to it', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const url = `/v1/campaigns/${campaign.id}`

  const child = await createCampaign(ws, { name: 'Child', parentCampaignId: campaign.id })
  const [lead] = await app.deps.db
    .insert(leads)
    .values({
      workspaceId: ws.workspaceId,
      lastName: 'Hopper',
      currency: 'EUR',
      campaignId: campaign.id
    })
    .returning()
  const account = await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Globex' }
  })
  const [opportunity] = await app.deps.db
    .insert(opportunities)
    .values({
      workspaceId: ws.workspaceId,
      name: 'Globex renewal',
      accountId: account.json().id,
      stage: 'prospecting',
      probability: 10,
      currency: 'EUR',
      campaignId: campaign.id
    })
    .returning()

  const blocked = await ws.request({ method: 'DELETE', url })
  assertProblem(t, blocked, 409, 'CRM_CONFLICT')
  t.match(blocked.json().detail, '1 leads, 1 opportunities, 1 child campaigns')

  await app.deps.db
    .update(leads)
    .set({ deletedAt: new Date() })
    .where(eq(leads.id, (lead as { id: string }).id))
  await app.deps.db
    .update(opportunities)
    .set({ campaignId: null })
    .where(eq(opportunities.id, (opportunity as { id: string }).id))
  const stillChild = await ws.request({ method: 'DELETE', url })
  assertProblem(t, stillChild, 409, 'CRM_CONFLICT')
  t.match(stillChild.json().detail, /child campaigns/)
  t.notMatch(stillChild.json().detail, /leads|opportunities/)

  await patchCampaign(ws, child.id, { parentCampaignId: null })
  const stale = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"7"' } })
  assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')
  const removed = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"1"' } })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')

  assertProblem(t, await ws.request({ method: 'GET', url }), 404, 'CRM_CAMPAIGN_NOT_FOUND')
  assertProblem(t, await ws.request({ method: 'DELETE', url }), 404, 'CRM_CAMPAIGN_NOT_FOUND')
  t.same(await campaignIds(ws, ''), [child.id])
  const row = await app.deps.db.select().from(campaigns).where(eq(campaigns.id, campaign.id))
  t.ok(row[0]?.deletedAt, 'kept for history, out of every read')
})

t.test('hides a campaign from every other workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  await createCampaign(other)

  const url = `/v1/campaigns/${campaign.id}`
  const notFound = 'CRM_CAMPAIGN_NOT_FOUND'
  assertProblem(t, await other.request({ method: 'GET', url }), 404, notFound)
  const hijack = await patchCampaign(other, campaign.id, { name: 'Hijacked' })
  assertProblem(t, hijack, 404, notFound)
  assertProblem(t, await other.request({ method: 'DELETE', url }), 404, notFound)
  t.notOk((await campaignIds(other, 'limit=200')).includes(campaign.id))
  t.notOk((await campaignIds(other, `ownerId=${ws.userId}`)).includes(campaign.id))

  const read = await ws.request({ method: 'GET', url })
  t.same(read.json(), campaign, 'untouched')
})

t.test('lets marketing write campaigns and other roles only read them', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const url = `/v1/campaigns/${campaign.id}`

  const marketer = await createUser(app, ws, 'marketing')
  const made = await marketer.request({
    method: 'POST', url: '/v1/campaigns', payload: { name: 'From marketing', type: 'social' }
  })
  t.equal(made.statusCode, 201, made.body)
  t.equal(made.json().ownerId, marketer.id, 'owner defaults to the caller')

  for (const role of ['sales', 'support', 'readonly']) {
    const user = await createUser(app, ws, role)
    t.equal((await user.request({ method: 'GET', url })).statusCode, 200, `${role} reads`)
    const payload = { name: 'x', type: 'email' }
    const created = await user.request({ method: 'POST', url: '/v1/campaigns', payload })
    assertProblem(t, created, 403, 'CRM_FORBIDDEN')
    const patched = await patchCampaign(user, campaign.id, { name: 'x' })
    assertProblem(t, patched, 403, 'CRM_FORBIDDEN')
    assertProblem(t, await user.request({ method: 'DELETE', url }), 403, 'CRM_FORBIDDEN')
  }
})
