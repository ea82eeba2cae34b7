import { Decimal as BaseDecimal } from 'decimal.js'
import { eq, inArray } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { opportunities } from '../../../src/modules/opportunities/opportunities.table.js'
import { addMember, createCampaign } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// Statistics compared with what each test made. Members and leads come
// through HTTP; conversions and opportunities are written straight into
// their tables (their own modules test how they get there), so the numbers
// depend on nothing but the rows.

const NEVER_USED = '00000000-0000-4000-8000-000000000000'
// Enough digits that the expected ratios are exact before their rounding.
const Decimal = BaseDecimal.clone({ precision: 60 })

const app = await buildTestApp(t)
const db = app.deps.db

type Caller = Pick<TestWorkspace, 'request'>
type Outcome = 'open' | 'won' | 'lost'

const statsOf = async (ws: Caller, campaignId: string) => {
  const res = await ws.request({ method: 'GET', url: `/v1/campaigns/${campaignId}/stats` })
  if (res.statusCode !== 200) throw new Error(`stats failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function accountOf (ws: Caller) {
  const res = await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Globex' }
  })
  return res.json().id as string
}

interface OpportunitySpec {
  outcome: Outcome
  amount: string | null
  currency?: string
  deleted?: boolean
}

async function insertOpportunities (
  ws: TestWorkspace,
  accountId: string,
  campaignId: string,
  specs: OpportunitySpec[]
) {
  if (specs.length === 0) return
  const stage = { open: 'proposal', won: 'closed_won', lost: 'closed_lost' }
  await db.insert(opportunities).values(specs.map((s) => ({
    workspaceId: ws.workspaceId,
    name: `${s.outcome} deal`,
    accountId,
    campaignId,
    stage: stage[s.outcome],
    isClosed: s.outcome !== 'open',
    isWon: s.outcome === 'won',
    probability: s.outcome === 'won' ? 100 : s.outcome === 'lost' ? 0 : 50,
    amount: s.amount,
    currency: s.currency ?? 'EUR',
    deletedAt: s.deleted === true ? new Date() : null
  })))
}

const markConverted = (ids: string[]) => db
  .update(leads)
  .set({ status: 'converted', convertedAt: new Date() })
  .where(inArray(leads.id, ids))

const ZERO_STATUSES = {
  targeted: 0, sent: 0, opened: 0, clicked: 0, responded: 0, bounced: 0, unsubscribed: 0, failed: 0
}

t.test('counts members, leads, conversions, opportunities and the return on cost', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws, { actualCost: '1000.00' })
  const elsewhere = await createCampaign(ws, { name: 'Elsewhere' })
  const accountId = await accountOf(ws)

  const statuses = [
    'targeted', 'targeted', 'sent', 'opened', 'opened', 'clicked', 'bounced', 'failed'
  ]
  const members = []
  for (const [i, status] of statuses.entries()) {
    const person = i % 2 === 0
      ? { leadId: (await createLead(ws, { emailOptOut: i === 2 })).id }
      : { contactId: (await createContact(ws, { emailOptOut: i === 3 })).id }
    members.push(await addMember(ws, campaign.id, person, { status }))
  }
  const removed = members[0] as { id: string }
  await ws.request({ method: 'DELETE', url: `/v1/campaigns/${campaign.id}/members/${removed.id}` })
  await addMember(ws, elsewhere.id, { leadId: (await createLead(ws)).id }, { status: 'responded' })

  const generated = []
  for (let i = 0; i < 5; i++) {
    generated.push((await createLead(ws, { campaignId: campaign.id })).id)
  }
  await markConverted(generated.slice(0, 2))
  const deletedLead = await createLead(ws, { campaignId: campaign.id })
  await db
    .update(leads)
    .set({ deletedAt: new Date(), status: 'converted' })
    .where(eq(leads.id, deletedLead.id))
  await createLead(ws, { campaignId: elsewhere.id })

  await insertOpportunities(ws, accountId, campaign.id, [
    { outcome: 'won', amount: '1500.25' },
    { outcome: 'won', amount: '999.99' },
    { outcome: 'won', amount: null },
    { outcome: 'won', amount: '700.00', currency: 'USD' },
    { outcome: 'lost', amount: '300.00' },
    { outcome: 'open', amount: '120.10' },
    { outcome: 'open', amount: '79.90' },
    { outcome: 'open', amount: '5000.00', currency: 'USD' },
    { outcome: 'won', amount: '100000.00', deleted: true }
  ])
  await insertOpportunities(ws, accountId, elsewhere.id, [{ outcome: 'won', amount: '42.00' }])

  t.same(await statsOf(ws, campaign.id), {
    campaignId: campaign.id,
    currency: 'EUR',
    members: {
      total: 7,
      byStatus: {
        ...ZERO_STATUSES, targeted: 1, sent: 1, opened: 2, clicked: 1, bounced: 1, failed: 1
      },
      optedOut: 2
    },
    leadsGenerated: 5,
    convertedLeads: 2,
    conversionRate: '0.4000',
    opportunities: {
      count: 8, open: 3, won: 4, lost: 1, wonAmount: '2500.24', pipelineAmount: '200.00'
    },
    otherCurrencyOpportunities: 2,
    actualCost: '1000.00',
    returnOnCost: '1.5002'
  })

  const contact = members[1] as { contactId: string }
  await ws.request({ method: 'DELETE', url: `/v1/contacts/${contact.contactId}` })
  const after = await statsOf(ws, campaign.id)
  t.equal(after.members.total, 7, 'the member of a deleted person stays')
  t.equal(after.members.optedOut, 3, 'and counts as opted out')
})

t.test('answers zeros and null ratios for a campaign with nothing yet', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws, { currency: 'USD' })
  t.same(await statsOf(ws, campaign.id), {
    campaignId: campaign.id,
    currency: 'USD',
    members: { total: 0, byStatus: ZERO_STATUSES, optedOut: 0 },
    leadsGenerated: 0,
    convertedLeads: 0,
    conversionRate: null,
    opportunities: {
      count: 0, open: 0, won: 0, lost: 0, wonAmount: '0.00', pipelineAmount: '0.00'
    },
    otherCurrencyOpportunities: 0,
    actualCost: null,
    returnOnCost: null
  })

  const cost = (actualCost: string) => ws.request({
    method: 'PATCH', url: `/v1/campaigns/${campaign.id}`, payload: { actualCost }
  })
  await cost('0')
  const free = await statsOf(ws, campaign.id)
  t.equal(free.actualCost, '0.00')
  t.equal(free.returnOnCost, null, 'no return on a zero cost')
  await cost('250')
  const lost = await statsOf(ws, campaign.id)
  t.equal(lost.returnOnCost, '-1.0000', 'nothing won is all the cost lost')
})

t.test('computes amounts and ratios exactly, as decimal arithmetic does', async (t) => {
  const ws = await createWorkspace(app)
  const accountId = await accountOf(ws)
  const cents = fc.oneof(
    fc.bigInt({ min: 0n, max: 99_999_999_999_999n }),
    fc.constantFrom(0n, 1n, 5n, 33n, 50n, 99n, 10_000n)
  )
  const money = cents.map((c) => new Decimal(c.toString()).div(100).toFixed(2))
  const opportunity = fc.record({
    outcome: fc.constantFrom<Outcome>('open', 'won', 'lost'),
    amount: fc.option(money, { nil: null }),
    currency: fc.constantFrom('EUR', 'EUR', 'USD'),
    deleted: fc.boolean()
  })
  const scenario = fc.record({
    opportunities: fc.array(opportunity, { maxLength: 8 }),
    actualCost: fc.option(money, { nil: null }),
    generated: fc.nat({ max: 7 }),
    converted: fc.nat({ max: 7 })
  })

  await fc.assert(fc.asyncProperty(scenario, async (s) => {
    const campaign = await createCampaign(ws, { actualCost: s.actualCost })
    await insertOpportunities(ws, accountId, campaign.id, s.opportunities)
    const converted = Math.min(s.converted, s.generated)
    if (s.generated > 0) {
      const rows = await db.insert(leads).values(Array.from({ length: s.generated }, (_, i) => ({
        workspaceId: ws.workspaceId,
        lastName: `Lead ${i}`,
        currency: 'EUR',
        campaignId: campaign.id,
        status: i < converted ? 'converted' : 'open'
      }))).returning({ id: leads.id })
      t.equal(rows.length, s.generated)
    }

    const live = s.opportunities.filter((o) => !o.deleted)
    const sum = (outcome: Outcome) => live
      .filter((o) => o.outcome === outcome && o.currency === 'EUR')
      .reduce((acc, o) => acc.plus(o.amount ?? 0), new Decimal(0))
    const won = sum('won')
    const cost = s.actualCost === null ? null : new Decimal(s.actualCost)
    const stats = await statsOf(ws, campaign.id)
    const expected = {
      count: live.length,
      open: live.filter((o) => o.outcome === 'open').length,
      won: live.filter((o) => o.outcome === 'won').length,
      lost: live.filter((o) => o.outcome === 'lost').length,
      wonAmount: won.toFixed(2),
      pipelineAmount: sum('open').toFixed(2)
    }
    const ratio = (d: BaseDecimal) => d.toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4)
    const same = JSON.stringify(stats.opportunities) === JSON.stringify(expected) &&
      stats.otherCurrencyOpportunities === live.filter((o) => o.currency !== 'EUR').length &&
      stats.leadsGenerated === s.generated &&
      stats.convertedLeads === converted &&
      stats.conversionRate === (s.generated === 0
        ? null
        : ratio(new Decimal(converted).div(s.generated))) &&
      stats.returnOnCost === (cost === null || cost.isZero()
        ? null
        : ratio(won.minus(cost).div(cost)))
    if (!same) throw new Error(`stats ${JSON.stringify(stats)} for ${JSON.stringify(s)}`)
  }), { numRuns: 30, seed: 20261203 })
})

t.test('404s an unknown, foreign or deleted campaign, and lets every role read', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const foreign = await createCampaign(other)
  const gone = await createCampaign(ws, { name: 'Gone' })
  await ws.request({ method: 'DELETE', url: `/v1/campaigns/${gone.id}` })

  for (const id of [NEVER_USED, foreign.id, gone.id]) {
    const res = await ws.request({ method: 'GET', url: `/v1/campaigns/${id}/stats` })
    assertProblem(t, res, 404, 'CRM_CAMPAIGN_NOT_FOUND')
  }
  const probe = await other.request({ method: 'GET', url: `/v1/campaigns/${campaign.id}/stats` })
  assertProblem(t, probe, 404, 'CRM_CAMPAIGN_NOT_FOUND')
  const bad = await ws.request({ method: 'GET', url: '/v1/campaigns/not-a-uuid/stats' })
  assertProblem(t, bad, 400, 'CRM_VALIDATION_ERROR')

  for (const role of ['sales', 'support', 'readonly', 'marketing']) {
    const user = await createUser(app, ws, role)
    const res = await user.request({ method: 'GET', url: `/v1/campaigns/${campaign.id}/stats` })
    t.equal(res.statusCode, 200, `${role} reads`)
  }
})
