import { isDeepStrictEqual } from 'node:util'
import { and, eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { opportunityStages } from '../../../src/modules/opportunity-stages/opportunity-stages.table.js'
import { walkList } from '../../fixtures/lists.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import {
  fromCents,
  type OpportunityRecord,
  type PipelineFilters,
  pipelineOracle,
  type StageRecord,
  toCents,
  weightedCents
} from './report-oracles.js'

// The real app on the real Postgres and Redis. Opportunities are made
// through the API; the report is compared with an independent computation
// (report-oracles.ts) over the records as the API lists them.

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>

async function report (ws: Caller, query = '') {
  const res = await ws.request({ method: 'GET', url: `/v1/reports/pipeline${query}` })
  if (res.statusCode !== 200) throw new Error(`report failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function records (ws: Caller): Promise<OpportunityRecord[]> {
  return (await walkList(ws, '/v1/opportunities', 200)).items as unknown as OpportunityRecord[]
}

async function stages (ws: Caller): Promise<StageRecord[]> {
  const res = await ws.request({ method: 'GET', url: '/v1/opportunity-stages' })
  return res.json().data
}

async function createAccount (ws: Caller) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Acme' } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().id as string
}

/** What the report should answer over the workspace's live records. */
async function expected (ws: Caller, filters: Partial<PipelineFilters> = {}) {
  return pipelineOracle(await records(ws), await stages(ws), { currency: 'EUR', ...filters })
}

t.test('an empty workspace answers every stage with zeros, not an error', async (t) => {
  const ws = await createWorkspace(app)
  const zero = { count: 0, amount: '0.00', weightedAmount: '0.00' }
  const open = { isClosed: false, isWon: false }

  const body = await report(ws)
  t.same(body, {
    currency: 'EUR',
    otherCurrencyOpportunities: 0,
    totals: zero,
    byStage: [
      { stage: 'prospecting', label: 'Prospecting', position: 1, ...open, ...zero },
      { stage: 'qualification', label: 'Qualification', position: 2, ...open, ...zero },
      { stage: 'proposal', label: 'Proposal', position: 3, ...open, ...zero },
      { stage: 'negotiation', label: 'Negotiation', position: 4, ...open, ...zero },
      { stage: 'closed_won', label: 'Closed won', position: 5, isClosed: true, isWon: true, ...zero },
      { stage: 'closed_lost', label: 'Closed lost', position: 6, isClosed: true, isWon: false, ...zero }
    ],
    byOwner: [],
    byCloseMonth: []
  })
  t.same(await report(ws, '?currency=USD&includeClosed=false'), { ...body, currency: 'USD' })
})

t.test('counts, sums and weights the pipeline per stage, owner and close month', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app, 'Other workspace')
  const sales = await createUser(app, ws, 'sales')
  const accountId = await createAccount(ws)
  const make = (values: Record<string, unknown>) => createOpportunity(ws, { accountId, ...values })

  await make({ stage: 'prospecting', amount: '100.35', probability: 50, closeDate: '2027-01-15' })
  await make({ stage: 'proposal', ownerId: sales.id, closeDate: '2027-01-31' })
  await make({
    stage: 'proposal', amount: '999999999999.99', probability: 99, ownerId: sales.id, closeDate: '2027-03-01'
  })
  await make({ stage: 'negotiation', amount: '999999999999.99' })
  await make({ stage: 'closed_won', amount: '0.35', probability: 50, closeDate: '2026-12-31' })
  await make({ stage: 'closed_lost', amount: '20', lossReason: 'Lost on price', closeDate: '2027-02-10' })
  const ownerless = await make({ stage: 'proposal', amount: '15.5', closeDate: '2027-02-28' })
  const unowned = await ws.request({
    method: 'PATCH', url: `/v1/opportunities/${ownerless.id}`, payload: { ownerId: null }
  })
  t.equal(unowned.statusCode, 200, unowned.body)
  await make({ stage: 'proposal', amount: '500', currency: 'USD', closeDate: '2027-01-20' })
  const gone = await make({ stage: 'proposal', amount: '777' })
  const removed = await ws.request({ method: 'DELETE', url: `/v1/opportunities/${gone.id}` })
  t.equal(removed.statusCode, 204)
  for (const amount of ['1000', '2000.50']) {
    await createOpportunity(other, { stage: 'proposal', amount, closeDate: '2027-01-15' })
  }

  const body = await report(ws)
  t.same(body, await expected(ws), 'every number matches the independent computation')
  // The same numbers by hand, so the oracle itself is checked once.
  t.same(body.totals, { count: 7, amount: '2000000000136.18', weightedAmount: '1790000000058.09' })
  t.equal(body.otherCurrencyOpportunities, 1)
  t.same(body.byStage.map((s: { count: number }) => s.count), [1, 0, 3, 1, 1, 1])
  const proposal = body.byStage[2]
  t.same(proposal, {
    stage: 'proposal',
    label: 'Proposal',
    position: 3,
    isClosed: false,
    isWon: false,
    count: 3,
    amount: '1000000000015.49',
    weightedAmount: '990000000007.74'
  }, 'an empty amount is counted and adds 0')
  t.same(body.byOwner.map((o: { ownerId: string | null }) => o.ownerId), [ws.userId, sales.id, null])
  t.same(body.byCloseMonth.map((m: { month: string | null }) => m.month),
    ['2026-12', '2027-01', '2027-02', '2027-03', null])

  const eur = (await records(ws)).filter((r) => r.currency === 'EUR')
  const revenue = eur.reduce((sum, r) => sum + toCents(r.expectedRevenue), 0n)
  t.equal(body.totals.weightedAmount, fromCents(revenue), 'the sum of the records\' expectedRevenue')

  t.test('filters by owner, close dates, closed stages and currency', async (t) => {
    const cases: [string, Partial<PipelineFilters>][] = [
      [`?ownerId=${sales.id}`, { ownerIds: [sales.id] }],
      [`?ownerId=${sales.id.toUpperCase()},${ws.userId}`, { ownerIds: [sales.id, ws.userId] }],
      ['?closeDateFrom=2027-01-15&closeDateTo=2027-01-31',
        { closeDateFrom: '2027-01-15', closeDateTo: '2027-01-31' }],
      ['?closeDateFrom=2027-02-01', { closeDateFrom: '2027-02-01' }],
      ['?closeDateTo=2026-12-31', { closeDateTo: '2026-12-31' }],
      ['?includeClosed=false', { includeClosed: false }],
      ['?includeClosed=true', {}],
      ['?currency=USD', { currency: 'USD' }],
      ['?currency=GBP', { currency: 'GBP' }],
      [`?currency=EUR&ownerId=${sales.id}&includeClosed=false&closeDateTo=2027-02-28`,
        { ownerIds: [sales.id], includeClosed: false, closeDateTo: '2027-02-28' }]
    ]
    for (const [query, filters] of cases) {
      t.same(await report(ws, query), await expected(ws, filters), query)
    }

    const open = await report(ws, '?includeClosed=false')
    t.equal(open.totals.count, 5)
    const closedCounts = open.byStage.slice(4).map((s: { count: number }) => s.count)
    t.same(closedCounts, [0, 0], 'closed stages stay, with zeros')
    const usd = await report(ws, '?currency=USD')
    t.same(usd.totals, { count: 1, amount: '500.00', weightedAmount: '250.00' })
    t.equal(usd.otherCurrencyOpportunities, 7)
    const january = await report(ws, '?closeDateFrom=2027-01-15&closeDateTo=2027-01-31')
    t.equal(january.totals.count, 2, 'both ends are inclusive; no close date is left out')
    t.equal(january.otherCurrencyOpportunities, 1)
  })

  t.test('never counts another workspace\'s opportunities', async (t) => {
    const foreign = await report(ws, `?ownerId=${other.userId}`)
    t.same(foreign.totals, { count: 0, amount: '0.00', weightedAmount: '0.00' })
    t.equal(foreign.otherCurrencyOpportunities, 0)
    const theirs = await report(other)
    t.same(theirs.totals, { count: 2, amount: '3000.50', weightedAmount: '1500.25' })
    t.same(theirs, await expected(other))
  })
})

t.test('lists the workspace\'s own stages in pipeline order, without deleted ones', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const stage = (key: string, position: number) => ({
    workspaceId: ws.workspaceId, key, label: key, position, probability: 30, isClosed: false, isWon: false
  })
  await app.deps.db.insert(opportunityStages).values([
    stage('discovery', 2),
    stage('legacy', 3)
  ])
  await app.deps.db.insert(opportunityStages)
    .values({ ...stage('theirs', 0), workspaceId: other.workspaceId })
  const accountId = await createAccount(ws)
  await createOpportunity(ws, { accountId, stage: 'discovery', amount: '10.01' })
  await createOpportunity(ws, { accountId, stage: 'legacy', amount: '5' })
  // A stage in use cannot be deleted through the API; the row is changed
  // here to show what the report does if one ever is.
  await app.deps.db.update(opportunityStages).set({ deletedAt: new Date() })
    .where(and(eq(opportunityStages.workspaceId, ws.workspaceId), eq(opportunityStages.key, 'legacy')))

  const body = await report(ws)
  t.same(body.byStage.map((s: { stage: string }) => s.stage), [
    'prospecting', 'discovery', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'
  ], 'by position, then key; deleted and foreign stages left out')
  t.same(body.byStage[1], {
    stage: 'discovery', label: 'discovery', position: 2, isClosed: false, isWon: false,
    count: 1, amount: '10.01', weightedAmount: '3.00'
  })
  t.same(body.totals, { count: 2, amount: '15.01', weightedAmount: '4.50' },
    'an opportunity in a deleted stage still counts in the totals')
  t.same(body, await expected(ws))
})

const DEFAULT_PROBABILITIES: Record<string, number> = {
  prospecting: 10, qualification: 20, proposal: 50, negotiation: 80, closed_won: 100, closed_lost: 0
}

// Cents up to the largest amount, with the half-cent cases of weighting
// (odd cents at odd probabilities) well represented.
const amountArbitrary = fc.option(
  fc.oneof(
    fc.bigInt({ min: 0n, max: 99_999_999_999_999n }),
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.constantFrom(35n, 1n, 99_999_999_999_999n)
  ).map(fromCents),
  { nil: null, freq: 5 }
)

const opportunityArbitrary = fc.record({
  amount: amountArbitrary,
  probability: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  stage: fc.constantFrom(...Object.keys(DEFAULT_PROBABILITIES))
})

t.test('sums any amounts, probabilities and stages exactly (property)', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(opportunityArbitrary, { maxLength: 10 }), async (inputs) => {
      const ws = await createWorkspace(app)
      const accountId = await createAccount(ws)
      for (const input of inputs) {
        const body: Record<string, unknown> = { accountId, stage: input.stage, amount: input.amount }
        if (input.amount === null) delete body.amount
        if (input.probability !== undefined) body.probability = input.probability
        if (input.stage === 'closed_lost') body.lossReason = 'Lost on price'
        await createOpportunity(ws, body)
      }

      const body = await report(ws)
      const stored = await records(ws)
      if (!isDeepStrictEqual(body, pipelineOracle(stored, await stages(ws), { currency: 'EUR' }))) {
        throw new Error(`report differs: ${JSON.stringify(body)}`)
      }
      // Against the generated inputs too, not only the stored records.
      let amount = 0n
      let weighted = 0n
      for (const input of inputs) {
        amount += toCents(input.amount)
        weighted += weightedCents(input.amount, input.probability ?? DEFAULT_PROBABILITIES[input.stage] ?? 0)
      }
      const totals = {
        count: inputs.length, amount: fromCents(amount), weightedAmount: fromCents(weighted)
      }
      if (!isDeepStrictEqual(body.totals, totals)) {
        throw new Error(`totals ${JSON.stringify(body.totals)} instead of ${JSON.stringify(totals)}`)
      }
      runs++
    }),
    { numRuns: Number(process.env.REPORT_RUNS ?? 25), seed: 20261203 }
  )
  t.ok(runs > 0, `${runs} random pipelines matched`)
})
