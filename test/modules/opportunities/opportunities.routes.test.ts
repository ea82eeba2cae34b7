import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { campaigns } from '../../../src/modules/campaigns/campaigns.table.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { opportunityStages } from '../../../src/modules/opportunity-stages/opportunity-stages.table.js'
import { buildTestApp } from '../../helper.js'
import { walkList } from '../../fixtures/lists.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis. Contacts, campaigns and leads are other modules'
// resources; their rows are inserted straight into their tables so that
// these tests depend on the tables only, not on those modules' routes.

type Caller = Pick<TestWorkspace, 'request'>
type Headers = Record<string, string>
const post = (who: Caller, payload: Record<string, unknown>) =>
  who.request({ method: 'POST', url: '/v1/opportunities', payload })
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const patch = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'PATCH', url, payload, headers })
const del = (who: Caller, url: string, headers: Headers = {}) =>
  who.request({ method: 'DELETE', url, headers })
const today = () => new Date().toISOString().slice(0, 10)

async function createAccount (ws: TestWorkspace, payload: Record<string, unknown> = {}) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Acme', ...payload } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().id as string
}

async function seedContact (app: FastifyInstance, ws: TestWorkspace) {
  const [row] = await app.deps.db.insert(contacts)
    .values({ workspaceId: ws.workspaceId, lastName: 'Lovelace' }).returning()
  return (row as { id: string }).id
}

async function seedCampaign (app: FastifyInstance, ws: TestWorkspace) {
  const [row] = await app.deps.db.insert(campaigns)
    .values({ workspaceId: ws.workspaceId, name: 'Spring launch', type: 'email', currency: 'EUR' }).returning()
  return (row as { id: string }).id
}

async function seedStage (
  app: FastifyInstance,
  ws: TestWorkspace,
  stage: { key: string, position: number, probability: number, isClosed: boolean, isWon: boolean }
) {
  await app.deps.db.insert(opportunityStages).values({ workspaceId: ws.workspaceId, label: stage.key, ...stage })
}

async function seedLead (app: FastifyInstance, ws: TestWorkspace, values: Record<string, unknown> = {}) {
  const [row] = await app.deps.db.insert(leads)
    .values({ workspaceId: ws.workspaceId, lastName: 'Hopper', currency: 'EUR', ...values }).returning()
  return (row as { id: string }).id
}

t.test('opportunities', async (t) => {
  const app = await buildTestApp(t)

  t.test('creates with defaults and derived fields', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const res = await post(ws, { name: 'Acme: 10 seats', accountId })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const o = res.json()
    t.equal(res.headers.location, `/v1/opportunities/${o.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same(o, {
      id: o.id,
      name: 'Acme: 10 seats',
      accountId,
      stage: 'prospecting',
      probability: 10,
      currency: 'EUR',
      contactId: null,
      amount: null,
      closeDate: null,
      type: null,
      source: null,
      campaignId: null,
      leadId: null,
      nextStep: null,
      lossReason: null,
      ownerId: ws.userId,
      description: null,
      isClosed: false,
      isWon: false,
      expectedRevenue: null,
      createdAt: o.createdAt,
      updatedAt: o.createdAt,
      version: 1
    })
    t.match(o.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const read = await get(ws, `/v1/opportunities/${o.id}`)
    t.equal(read.statusCode, 200)
    t.equal(read.headers.etag, '"1"')
    t.same(read.json(), o)
  })

  t.test('round-trips every writable field', async (t) => {
    const ws = await createWorkspace(app)
    const sales = await createUser(app, ws, 'sales')
    const payload = {
      name: 'Globex renewal 2027',
      accountId: await createAccount(ws),
      contactId: await seedContact(app, ws),
      stage: 'negotiation',
      probability: 75,
      amount: '1234.5',
      currency: 'USD',
      closeDate: '2027-03-31',
      type: 'renewal',
      source: 'referral',
      campaignId: await seedCampaign(app, ws),
      leadId: await seedLead(app, ws),
      nextStep: 'Call the CFO',
      lossReason: 'Not lost yet, but noted',
      ownerId: sales.id,
      description: 'Three-year renewal with an upsell'
    }
    const res = await post(ws, payload)
    t.equal(res.statusCode, 201, res.body)
    const o = res.json()
    t.match(o, { ...payload, amount: '1234.50', isClosed: false, isWon: false, expectedRevenue: '925.88' })
    const read = await get(ws, `/v1/opportunities/${o.id}`)
    t.same(read.json(), o)
  })

  t.test('computes expectedRevenue in exact decimals, half up', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const cases: [string, number, string][] = [
      ['0.35', 50, '0.18'],
      ['0.01', 50, '0.01'],
      ['0.01', 49, '0.00'],
      ['1234.57', 33, '407.41'],
      ['999999999999.99', 100, '999999999999.99'],
      ['999999999999.99', 99, '989999999999.99'],
      ['100', 0, '0.00'],
      ['0', 80, '0.00']
    ]
    for (const [amount, probability, expected] of cases) {
      const o = await createOpportunity(ws, { accountId, amount, probability })
      t.equal(o.expectedRevenue, expected, `${amount} × ${probability} %`)
    }
    const o = await createOpportunity(ws, { accountId, amount: '200', stage: 'proposal' })
    const patched = await patch(ws, `/v1/opportunities/${o.id}`, { amount: null })
    t.equal(patched.json().expectedRevenue, null)
  })

  t.test('stage: defaults, probability and flags follow the stage', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const proposal = await createOpportunity(ws, { accountId, stage: 'proposal' })
    t.equal(proposal.probability, 50)
    const given = await createOpportunity(ws, { accountId, stage: 'proposal', probability: 65 })
    t.equal(given.probability, 65)

    const url = `/v1/opportunities/${proposal.id}`
    let res = await patch(ws, url, { stage: 'negotiation' })
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { stage: 'negotiation', probability: 80, isClosed: false, closeDate: null, version: 2 })

    res = await patch(ws, url, { stage: 'qualification', probability: 35 })
    t.match(res.json(), { stage: 'qualification', probability: 35 })

    res = await patch(ws, url, { probability: 40 })
    t.match(res.json(), { stage: 'qualification', probability: 40 }, 'a probability alone keeps the stage')

    res = await patch(ws, url, { stage: 'qualification' })
    t.match(res.json(), { probability: 40, version: 4 }, 'naming the current stage changes nothing')

    res = await patch(ws, url, { stage: 'closed_won' })
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { stage: 'closed_won', probability: 100, isClosed: true, isWon: true, closeDate: today() })

    res = await patch(ws, url, { stage: 'proposal' })
    t.match(res.json(), { stage: 'proposal', probability: 50, isClosed: false, isWon: false, closeDate: today() })

    const dated = await createOpportunity(ws, { accountId, closeDate: '2027-01-15' })
    res = await patch(ws, `/v1/opportunities/${dated.id}`, { stage: 'closed_won' })
    t.equal(res.json().closeDate, '2027-01-15', 'a close date already set is kept')

    const wonAtOnce = await createOpportunity(ws, { accountId, stage: 'closed_won' })
    t.match(wonAtOnce, { isClosed: true, isWon: true, probability: 100, closeDate: today() })
  })

  t.test('stage: an unknown key answers 422 naming the allowed keys', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const allowed = 'prospecting, qualification, proposal, negotiation, closed_won, closed_lost'
    const res = await post(ws, { name: 'X', accountId, stage: 'won' })
    const body = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN')
    t.equal(body.instance, '/v1/opportunities')
    t.equal(body.errors[0].pointer, '/stage')
    t.match(body.errors[0].message, allowed)
    t.match(body.detail, allowed)

    const o = await createOpportunity(ws, { accountId })
    const patched = await patch(ws, `/v1/opportunities/${o.id}`, { stage: 'Closed Won' })
    t.equal(
      assertFullProblem(t, patched, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN').errors[0].pointer,
      '/stage'
    )

    const other = await createWorkspace(app)
    await seedStage(app, other, { key: 'other_only', position: 9, probability: 5, isClosed: false, isWon: false })
    const foreign = await post(ws, { name: 'X', accountId, stage: 'other_only' })
    assertFullProblem(t, foreign, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN')
  })

  t.test('closing lost needs a lossReason, on the record as it will be', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)

    let res = await post(ws, { name: 'X', accountId, stage: 'closed_lost' })
    let body = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/lossReason'])

    const lostAtOnce = await createOpportunity(ws, { accountId, stage: 'closed_lost', lossReason: 'No budget' })
    t.match(lostAtOnce, { isClosed: true, isWon: false, probability: 0, closeDate: today(), lossReason: 'No budget' })

    const o = await createOpportunity(ws, { accountId, stage: 'proposal' })
    const url = `/v1/opportunities/${o.id}`
    res = await patch(ws, url, { stage: 'closed_lost' })
    body = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
    t.equal(body.errors[0].pointer, '/lossReason')
    res = await patch(ws, url, { stage: 'closed_lost', lossReason: '   ' })
    assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
    t.same((await get(ws, url)).json(), o, 'nothing changed')

    res = await patch(ws, url, { lossReason: 'Went with a competitor' })
    t.equal(res.statusCode, 200)
    res = await patch(ws, url, { stage: 'closed_lost' })
    t.equal(res.statusCode, 200, 'the lossReason already on the record counts')
    t.match(res.json(), { stage: 'closed_lost', isClosed: true, isWon: false, probability: 0, closeDate: today() })

    res = await patch(ws, url, { lossReason: null })
    assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
    res = await patch(ws, url, { stage: 'closed_won', lossReason: null })
    t.equal(res.statusCode, 200, 'a won opportunity needs no loss reason')
    t.match(res.json(), { isWon: true, lossReason: null })
  })

  t.test('the flags, not the keys, decide: a custom lost stage', async (t) => {
    const ws = await createWorkspace(app)
    await seedStage(app, ws, { key: 'lost_to_competitor', position: 7, probability: 0, isClosed: true, isWon: false })
    const o = await createOpportunity(ws, { probability: 30 })
    const url = `/v1/opportunities/${o.id}`
    let res = await patch(ws, url, { stage: 'lost_to_competitor' })
    assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
    res = await patch(ws, url, { stage: 'lost_to_competitor', lossReason: 'Price' })
    t.match(res.json(), { isClosed: true, isWon: false, probability: 0, closeDate: today() })
  })

  t.test('the default stage is the first open one by position', async (t) => {
    const ws = await createWorkspace(app)
    await seedStage(app, ws, { key: 'archived', position: -1, probability: 0, isClosed: true, isWon: false })
    await seedStage(app, ws, { key: 'discovery', position: 0, probability: 5, isClosed: false, isWon: false })
    const o = await createOpportunity(ws)
    t.match(o, { stage: 'discovery', probability: 5, isClosed: false })
  })

  t.test('references: a foreign id fails exactly like an unknown one', async (t) => {
    const ws = await createWorkspace(app)
    const other = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const unknown = '00000000-0000-4000-8000-000000000000'
    const foreign: Record<string, string> = {
      accountId: await createAccount(other),
      contactId: await seedContact(app, other),
      campaignId: await seedCampaign(app, other),
      leadId: await seedLead(app, other),
      ownerId: other.userId
    }
    const o = await createOpportunity(ws, { accountId })
    for (const [field, foreignId] of Object.entries(foreign)) {
      const answers = []
      for (const id of [unknown, foreignId]) {
        const created = await post(ws, { name: 'X', accountId, [field]: id })
        const patched = await patch(ws, `/v1/opportunities/${o.id}`, { [field]: id })
        for (const res of [created, patched]) {
          const body = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
          t.same(body.errors.map((e: { pointer: string }) => e.pointer), [`/${field}`], field)
          answers.push(body.errors[0].message.replace(id, '<id>'))
        }
      }
      t.equal(new Set(answers).size, 1, `${field}: the same answer for an unknown and a foreign id`)
    }
    t.same((await get(ws, `/v1/opportunities/${o.id}`)).json(), o, 'nothing changed')
  })

  t.test('references: deleted accounts and inactive owners are refused; live ones accepted', async (t) => {
    const ws = await createWorkspace(app)
    const gone = await createAccount(ws)
    await del(ws, `/v1/accounts/${gone}`)
    let res = await post(ws, { name: 'X', accountId: gone })
    t.equal(assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE').errors[0].pointer, '/accountId')

    const sales = await createUser(app, ws, 'sales')
    const deactivated = await patch(ws, `/v1/users/${sales.id}`, { isActive: false })
    t.equal(deactivated.statusCode, 200, deactivated.body)
    res = await post(ws, { name: 'X', accountId: await createAccount(ws), ownerId: sales.id })
    const body = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
    t.equal(body.errors[0].pointer, '/ownerId')
    t.match(body.errors[0].message, 'active user')

    const missing = await post(ws, { name: 'X' })
    t.equal(
      assertFullProblem(t, missing, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, '/accountId'
    )

    const o = await createOpportunity(ws)
    const newAccount = await createAccount(ws, { name: 'Initech' })
    res = await patch(ws, `/v1/opportunities/${o.id}`, { accountId: newAccount })
    t.equal(res.json().accountId, newAccount)
  })

  t.test('walks every page exactly once, and sorts by other fields', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const amounts = ['500', '100', null, '300', '200', null, '400']
    const made = []
    for (const [i, amount] of amounts.entries()) {
      made.push(await createOpportunity(ws, { accountId, name: `Deal ${String.fromCharCode(71 - i)}`, amount }))
    }
    const { ids: seen, pages } = await walkList(
      ws, '/v1/opportunities', 3, { t, each: ['status', 'size'] }
    )
    t.equal(pages, 3)
    t.same(seen, made.map((o) => o.id).reverse(), 'newest first, each once')

    const walk = async (sort: string) => {
      const url = `/v1/opportunities?sort=${sort}`
      const { items } = await walkList(ws, url, 2, { t, each: ['status'] })
      return items.map((o) => o.amount)
    }
    t.same(await walk('amount'), ['100.00', '200.00', '300.00', '400.00', '500.00', null, null])
    t.same(await walk('-amount'), ['500.00', '400.00', '300.00', '200.00', '100.00', null, null])

    const byName = await get(ws, '/v1/opportunities?sort=name')
    const letters = ['A', 'B', 'C', 'D', 'E', 'F', 'G']
    t.same(byName.json().data.map((o: { name: string }) => o.name), letters.map((c) => `Deal ${c}`))
    const byNameDesc = await get(ws, '/v1/opportunities?sort=-name')
    t.equal(byNameDesc.json().data[0].name, 'Deal G')

    const bad = await get(ws, '/v1/opportunities?sort=stage')
    t.equal(assertFullProblem(t, bad, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, 'sort')
  })

  t.test('sorts by closeDate and probability', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    await createOpportunity(ws, { accountId, name: 'b', closeDate: '2027-02-01', probability: 30 })
    await createOpportunity(ws, { accountId, name: 'a', closeDate: '2027-01-01', probability: 70 })
    await createOpportunity(ws, { accountId, name: 'c', probability: 50 })
    const names = async (sort: string) =>
      (await get(ws, `/v1/opportunities?sort=${sort}`)).json().data.map((o: { name: string }) => o.name)
    t.same(await names('closeDate'), ['a', 'b', 'c'])
    t.same(await names('-closeDate'), ['b', 'a', 'c'])
    t.same(await names('probability'), ['b', 'c', 'a'])
    t.same(await names('-probability'), ['a', 'c', 'b'])
  })

  t.test('filters: each matches one record and not another', async (t) => {
    const ws = await createWorkspace(app)
    const sales = await createUser(app, ws, 'sales')
    const accountA = await createAccount(ws)
    const accountB = await createAccount(ws)
    const contactId = await seedContact(app, ws)
    const campaignId = await seedCampaign(app, ws)
    const leadId = await seedLead(app, ws)
    const hit = await createOpportunity(ws, {
      accountId: accountA,
      name: 'Hit',
      stage: 'closed_won',
      amount: '5000',
      closeDate: '2027-06-15',
      type: 'renewal',
      contactId,
      campaignId,
      leadId,
      ownerId: sales.id
    })
    // Timestamps have millisecond precision; keep the two records apart.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const miss = await createOpportunity(ws, {
      accountId: accountB, name: 'Miss', stage: 'proposal', amount: '50', closeDate: '2027-01-10', type: 'new_business'
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const touched = await patch(ws, `/v1/opportunities/${hit.id}`, { nextStep: 'Invoice' })
    const createdTo = encodeURIComponent(hit.createdAt)
    const updatedFrom = encodeURIComponent(touched.json().updatedAt)
    const filters = [
      'stage=closed_won',
      'stage=CLOSED_WON,negotiation',
      'isClosed=true',
      'isWon=true',
      `accountId=${accountA}`,
      `contactId=${contactId}`,
      `campaignId=${campaignId}`,
      `leadId=${leadId}`,
      `ownerId=${sales.id}`,
      'type=renewal',
      'type=renewal,existing_business',
      'amountMin=1000',
      'amountMin=5000&amountMax=5000',
      'probabilityMin=90',
      'probabilityMax=100&probabilityMin=100',
      'closeDateFrom=2027-06-01',
      'closeDateFrom=2027-06-15&closeDateTo=2027-06-15',
      `createdAtTo=${createdTo}`,
      `updatedAtFrom=${updatedFrom}`
    ]
    for (const filter of filters) {
      const res = await get(ws, `/v1/opportunities?${filter}`)
      t.equal(res.statusCode, 200, `${filter}: ${res.body}`)
      t.same(res.json().data.map((o: { id: string }) => o.id), [hit.id], filter)
    }
    const opposite = [
      'stage=proposal', 'isClosed=false', 'isWon=false', `accountId=${accountB}`, 'type=new_business',
      'amountMax=100', 'probabilityMax=60', 'closeDateTo=2027-02-01',
      `createdAtFrom=${encodeURIComponent(miss.createdAt)}`, `updatedAtTo=${encodeURIComponent(miss.updatedAt)}`
    ]
    for (const filter of opposite) {
      const res = await get(ws, `/v1/opportunities?${filter}`)
      t.same(res.json().data.map((o: { id: string }) => o.id), [miss.id], filter)
    }
    const none = await get(ws, `/v1/opportunities?contactId=${contactId}&isWon=false`)
    t.same(none.json().data, [])

    for (const bad of ['type=lost', 'amountMin=1.234', 'probabilityMin=x', 'closeDateFrom=tomorrow', 'colour=red']) {
      const res = await get(ws, `/v1/opportunities?${bad}`)
      assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    }
  })

  t.test('q searches the name', async (t) => {
    const ws = await createWorkspace(app)
    const accountId = await createAccount(ws)
    const hit = await createOpportunity(ws, { accountId, name: 'Globex fleet renewal', description: 'nothing here' })
    await createOpportunity(ws, { accountId, name: 'Initech pilot', description: 'fleet' })
    // Words match as prefixes, case-insensitively: full-text, not substring.
    for (const q of ['fleet', 'GLOBEX renewal', 'glob fle']) {
      const res = await get(ws, `/v1/opportunities?q=${encodeURIComponent(q)}`)
      t.same(res.json().data.map((o: { id: string }) => o.id), [hit.id], q)
    }
    for (const q of ['umbrella', 'obex']) {
      const none = await get(ws, `/v1/opportunities?q=${q}`)
      t.same(none.json().data, [], q)
    }
  })

  t.test('update: If-Match, null clears, body validation', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws, { amount: '100', nextStep: 'Demo', type: 'renewal' })
    const url = `/v1/opportunities/${o.id}`

    let res = await patch(ws, url, { nextStep: null, amount: null }, { 'if-match': '"1"' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { nextStep: null, amount: null, expectedRevenue: null, type: 'renewal', version: 2 })
    const current = res.json()

    res = await patch(ws, url, { name: 'Changed' }, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    t.same((await get(ws, url)).json(), current, 'a stale If-Match changes nothing')

    res = await patch(ws, url, { colour: 'red' })
    t.equal(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, '/colour')
    for (const field of ['id', 'version', 'createdAt', 'isClosed', 'isWon', 'expectedRevenue']) {
      const value = field === 'version' ? 9 : field.startsWith('is') ? true : 'x'
      res = await patch(ws, url, { [field]: value })
      t.equal(
        assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, `/${field}`, field
      )
      res = await post(ws, { name: 'X', accountId: o.accountId, [field]: value })
      t.equal(
        assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, `/${field}`, field
      )
    }
    const nulls = [{ name: null }, { stage: null }, { probability: null }, { currency: null }, { accountId: null }]
    for (const payload of nulls) {
      res = await patch(ws, url, payload)
      assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    }
    const invalid = [{ probability: 101 }, { probability: -1 }, { amount: '-5' }, { amount: 12 }, { type: 'lost' }]
    for (const payload of invalid) {
      res = await patch(ws, url, payload)
      assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    }
    t.same((await get(ws, url)).json(), current, 'refused patches changed nothing')
  })

  t.test('delete: 204 then 404; 409 while a converted lead refers to it', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws)
    const url = `/v1/opportunities/${o.id}`
    let res = await del(ws, url, { 'if-match': '"7"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    res = await del(ws, url)
    t.equal(res.statusCode, 204)
    res = await get(ws, url)
    t.equal(assertFullProblem(t, res, 404, 'CRM_OPPORTUNITY_NOT_FOUND').instance, url)
    res = await del(ws, url)
    assertFullProblem(t, res, 404, 'CRM_OPPORTUNITY_NOT_FOUND')
    const list = await get(ws, '/v1/opportunities')
    t.same(list.json().data, [])

    const kept = await createOpportunity(ws)
    const leadId = await seedLead(app, ws, {
      status: 'converted', convertedOpportunityId: kept.id, convertedAt: new Date()
    })
    res = await del(ws, `/v1/opportunities/${kept.id}`)
    const body = assertFullProblem(t, res, 409, 'CRM_CONFLICT')
    t.match(body.detail, '1 converted leads')
    t.equal((await get(ws, `/v1/opportunities/${kept.id}`)).statusCode, 200)

    await app.deps.db.update(leads).set({ deletedAt: new Date() }).where(eq(leads.id, leadId))
    res = await del(ws, `/v1/opportunities/${kept.id}`)
    t.equal(res.statusCode, 204, 'a deleted lead no longer holds it')
  })

  t.test('another workspace never sees or touches the record', async (t) => {
    const ws = await createWorkspace(app)
    const other = await createWorkspace(app)
    const o = await createOpportunity(ws)
    const url = `/v1/opportunities/${o.id}`
    assertFullProblem(t, await get(other, url), 404, 'CRM_OPPORTUNITY_NOT_FOUND')
    assertFullProblem(
      t, await patch(other, url, { name: 'Stolen' }), 404, 'CRM_OPPORTUNITY_NOT_FOUND'
    )
    assertFullProblem(t, await del(other, url), 404, 'CRM_OPPORTUNITY_NOT_FOUND')
    const list = await get(other, `/v1/opportunities?accountId=${o.accountId}`)
    t.same(list.json().data, [])
    t.same((await get(other, '/v1/opportunities')).json().data, [])
    t.same((await get(ws, url)).json(), o, 'untouched')
  })

  t.test('roles: sales writes; readonly, marketing and support only read', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws)
    const url = `/v1/opportunities/${o.id}`
    const sales = await createUser(app, ws, 'sales')
    const created = await post(sales, { name: 'By sales', accountId: o.accountId })
    t.equal(created.statusCode, 201, created.body)
    t.equal(created.json().ownerId, sales.id, 'the owner defaults to the caller')
    for (const role of ['readonly', 'marketing', 'support']) {
      const user = await createUser(app, ws, role)
      t.equal((await get(user, url)).statusCode, 200, role)
      t.equal((await get(user, '/v1/opportunities')).statusCode, 200, role)
      assertFullProblem(
        t, await post(user, { name: 'X', accountId: o.accountId }), 403, 'CRM_FORBIDDEN'
      )
      assertFullProblem(t, await patch(user, url, { name: 'X' }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await del(user, url), 403, 'CRM_FORBIDDEN')
    }
    t.same((await get(ws, url)).json(), o)
  })
})
