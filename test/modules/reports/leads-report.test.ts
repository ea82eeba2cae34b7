import { eq } from 'drizzle-orm'
import t from 'tap'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { createCampaign } from '../../fixtures/campaigns.js'
import { createLead } from '../../fixtures/leads.js'
import { walkList } from '../../fixtures/lists.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { type LeadRecord, type LeadsFilters, leadsOracle } from './report-oracles.js'

// The real app on the real Postgres and Redis. Leads are made through the
// API; what only the server sets (converted, the score, the creation time)
// is set in the table, so these tests do not depend on conversion or
// scoring. The report is compared with report-oracles.ts over the records.

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>

async function report (ws: Caller, query = '') {
  const res = await ws.request({ method: 'GET', url: `/v1/reports/leads${query}` })
  if (res.statusCode !== 200) throw new Error(`report failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function expected (ws: Caller, filters: LeadsFilters = {}) {
  const records = (await walkList(ws, '/v1/leads', 200)).items as unknown as LeadRecord[]
  return leadsOracle(records, filters)
}

const setRow = (id: string, values: Partial<typeof leads.$inferInsert>) =>
  app.deps.db.update(leads).set(values).where(eq(leads.id, id))

t.test('an empty workspace answers zeros and null rates, not an error', async (t) => {
  const ws = await createWorkspace(app)
  t.same(await report(ws), {
    total: 0,
    byStatus: { open: 0, contacted: 0, qualified: 0, unqualified: 0, converted: 0 },
    bySource: [],
    converted: 0,
    conversionRate: null,
    averageScore: null
  })
})

t.test('counts leads by status and source with conversion rates', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app, 'Other workspace')
  const sales = await createUser(app, ws, 'sales')
  const spring = await createCampaign(ws)
  const autumn = await createCampaign(ws, { name: 'Autumn' })
  const day = (n: number) => new Date(Date.UTC(2026, 0, n))

  const converted = { status: 'converted', convertedAt: day(9) }
  const specs: [Record<string, unknown>, Partial<typeof leads.$inferInsert>][] = [
    [{ source: 'web' }, { score: 80 }],
    [{ source: 'web', status: 'contacted', ownerId: sales.id, campaignId: spring.id }, { score: 55 }],
    [{ source: 'web', campaignId: spring.id }, converted],
    [{ source: 'event', status: 'qualified', ownerId: sales.id }, { score: 61 }],
    [{ source: 'event', status: 'qualified', ownerId: sales.id }, converted],
    [{ status: 'unqualified' }, {}],
    [{ campaignId: autumn.id }, converted]
  ]
  for (const [i, [body, row]] of specs.entries()) {
    const lead = await createLead(ws, body)
    await setRow(lead.id, { ...row, createdAt: day(i + 1) })
  }
  const gone = await createLead(ws, { source: 'referral' })
  t.equal((await ws.request({ method: 'DELETE', url: `/v1/leads/${gone.id}` })).statusCode, 204)
  for (let i = 0; i < 3; i++) {
    const theirs = await createLead(other, { source: 'web' })
    await setRow(theirs.id, { status: 'converted', score: 99 })
  }

  const body = await report(ws)
  t.same(body, await expected(ws), 'every number matches the independent computation')
  // The same numbers by hand, so the oracle itself is checked once.
  t.same(body, {
    total: 7,
    byStatus: { open: 1, contacted: 1, qualified: 1, unqualified: 1, converted: 3 },
    bySource: [
      { source: 'web', total: 3, converted: 1, conversionRate: '0.3333' },
      { source: 'event', total: 2, converted: 1, conversionRate: '0.5000' },
      { source: null, total: 2, converted: 1, conversionRate: '0.5000' }
    ],
    converted: 3,
    conversionRate: '0.4286',
    averageScore: '65.33'
  })

  t.test('filters by creation time, owner, campaign and source', async (t) => {
    const cases: [string, LeadsFilters][] = [
      ['?createdAtFrom=2026-01-03T00:00:00.000Z&createdAtTo=2026-01-05T00:00:00.000Z',
        { createdAtFrom: '2026-01-03T00:00:00.000Z', createdAtTo: '2026-01-05T00:00:00.000Z' }],
      ['?createdAtFrom=2026-01-05T01:00:00%2B01:00', { createdAtFrom: '2026-01-05T00:00:00.000Z' }],
      ['?createdAtTo=2026-01-01T00:00:00Z', { createdAtTo: '2026-01-01T00:00:00.000Z' }],
      [`?ownerId=${sales.id}`, { ownerIds: [sales.id] }],
      [`?ownerId=${sales.id},${ws.userId.toUpperCase()}`, { ownerIds: [sales.id, ws.userId] }],
      [`?campaignId=${spring.id}`, { campaignIds: [spring.id] }],
      [`?campaignId=${spring.id},${autumn.id}`, { campaignIds: [spring.id, autumn.id] }],
      ['?source=event', { sources: ['event'] }],
      ['?source=web,event', { sources: ['web', 'event'] }],
      ['?source=partner', { sources: ['partner'] }],
      [`?source=web&ownerId=${sales.id}`, { sources: ['web'], ownerIds: [sales.id] }]
    ]
    for (const [query, filters] of cases) {
      t.same(await report(ws, query), await expected(ws, filters), query)
    }

    const range = await report(ws, `?createdAtFrom=${day(3).toISOString()}&createdAtTo=${day(5).toISOString()}`)
    t.equal(range.total, 3, 'both ends are inclusive')
    const campaigns = await report(ws, `?campaignId=${spring.id},${autumn.id}`)
    t.equal(campaigns.conversionRate, '0.6667', 'rounded half up to four places')
    const none = await report(ws, '?source=partner')
    t.equal(none.conversionRate, null)
    t.same(none.bySource, [])
    t.equal(none.averageScore, null)
  })

  t.test('never counts another workspace\'s leads', async (t) => {
    const theirs = await report(other)
    t.same(theirs.byStatus, { open: 0, contacted: 0, qualified: 0, unqualified: 0, converted: 3 })
    t.equal(theirs.conversionRate, '1.0000')
    t.same(theirs, await expected(other))
    const foreign = await report(ws, `?ownerId=${other.userId}`)
    t.equal(foreign.total, 0)
  })
})
