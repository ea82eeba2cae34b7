import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { opportunityHistory } from '../../../src/modules/opportunities/history/opportunity-history.table.js'
import { DEFAULT_STAGES } from '../../../src/modules/opportunity-stages/opportunity-stages.defaults.js'
import { buildTestApp } from '../../helper.js'
import { walkList } from '../../fixtures/lists.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem, assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis: opportunities are written through their routes,
// and the history is read through its own.

type Caller = Pick<TestWorkspace, 'request'>
type Field = 'stage' | 'amount' | 'probability' | 'closeDate'
interface Values { stage: string, amount: string | null, probability: number, closeDate: string | null }
interface Entry extends Values {
  id: string
  opportunityId: string
  changedAt: string
  changedById: string | null
  changedFields: Field[]
  previousStage: string | null
  previousAmount: string | null
  previousProbability: number | null
  previousCloseDate: string | null
}

const FIELDS: Field[] = ['stage', 'amount', 'probability', 'closeDate']
const ENTRY_KEYS = [
  'id', 'opportunityId', 'changedAt', 'changedById', 'changedFields', 'stage', 'amount', 'probability',
  'closeDate', 'previousStage', 'previousAmount', 'previousProbability', 'previousCloseDate'
]
const today = () => new Date().toISOString().slice(0, 10)

const historyUrl = (id: string) => `/v1/opportunities/${id}/history`
const patch = (who: Caller, id: string, payload: Record<string, unknown>) =>
  who.request({ method: 'PATCH', url: `/v1/opportunities/${id}`, payload })

async function history (who: Caller, id: string): Promise<Entry[]> {
  const res = await who.request({ method: 'GET', url: `${historyUrl(id)}?limit=200` })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().data
}

const valuesOf = (o: Values): Values =>
  ({ stage: o.stage, amount: o.amount, probability: o.probability, closeDate: o.closeDate })
const previousOf = (e: Entry): Values | null => e.previousStage === null
  ? null
  : {
      stage: e.previousStage,
      amount: e.previousAmount,
      probability: e.previousProbability as number,
      closeDate: e.previousCloseDate
    }

t.test('opportunity history', async (t) => {
  const app = await buildTestApp(t)

  t.test('the creation is one entry with all four fields and no previous values', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws, { stage: 'proposal', amount: '1200.5', closeDate: '2027-03-31' })
    const res = await ws.request({ method: 'GET', url: historyUrl(o.id) })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.same(Object.keys(res.json()), ['data', 'nextCursor'])
    t.equal(res.json().nextCursor, null)
    const [entry, ...rest] = res.json().data as Entry[]
    t.same(rest, [])
    t.same(Object.keys(entry ?? {}), ENTRY_KEYS)
    t.same(entry, {
      id: entry?.id,
      opportunityId: o.id,
      changedAt: entry?.changedAt,
      changedById: ws.userId,
      changedFields: FIELDS,
      stage: 'proposal',
      amount: '1200.50',
      probability: 50,
      closeDate: '2027-03-31',
      previousStage: null,
      previousAmount: null,
      previousProbability: null,
      previousCloseDate: null
    })
    t.match(entry?.changedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    t.ok(Math.abs(Date.parse(entry?.changedAt ?? '') - Date.parse(o.createdAt)) < 5000)
  })

  t.test('each kind of change is recorded once, with the values before and after', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws)
    const steps: [Record<string, unknown>, Field[]][] = [
      [{ amount: '500' }, ['amount']],
      [{ probability: 25 }, ['probability']],
      [{ closeDate: '2027-06-30' }, ['closeDate']],
      [{ stage: 'negotiation' }, ['stage', 'probability']],
      [{ stage: 'proposal', probability: 80 }, ['stage']],
      [{ amount: '750.25', closeDate: null }, ['amount', 'closeDate']],
      [{ stage: 'closed_won' }, ['stage', 'probability', 'closeDate']],
      [{ amount: null }, ['amount']]
    ]
    let before: Values = valuesOf(o)
    for (const [body, changed] of steps) {
      const res = await patch(ws, o.id, body)
      t.equal(res.statusCode, 200, res.body)
      const after = valuesOf(res.json())
      const [latest] = await history(ws, o.id)
      t.same(latest?.changedFields, changed, JSON.stringify(body))
      t.same(valuesOf(latest as Entry), after, 'the values after the write')
      t.same(previousOf(latest as Entry), before, 'the values before it')
      before = after
    }
    const all = await history(ws, o.id)
    t.equal(all.length, steps.length + 1, 'one entry per write, plus the creation')
    t.same(all.map((e) => e.changedFields).reverse(), [FIELDS, ...steps.map(([, f]) => f)])
    t.equal(all[0]?.closeDate, today(), 'closing set the close date')
    for (let i = 0; i + 1 < all.length; i++) {
      t.same(previousOf(all[i] as Entry), valuesOf(all[i + 1] as Entry),
        'each entry starts where the older one ended')
      t.ok((all[i] as Entry).changedAt > (all[i + 1] as Entry).changedAt, 'newest first, strictly')
    }
  })

  t.test('writes that change none of the four record nothing', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws, { stage: 'proposal', amount: '100.00', closeDate: '2027-01-01' })
    const nothing: Record<string, unknown>[] = [
      { name: 'Renamed' },
      { description: 'Longer text', nextStep: 'Call back' },
      {},
      { amount: '100' },
      { amount: '100.0', probability: 50, closeDate: '2027-01-01' },
      { stage: 'proposal' }
    ]
    for (const body of nothing) {
      const res = await patch(ws, o.id, body)
      t.equal(res.statusCode, 200, res.body)
    }
    const entries = await history(ws, o.id)
    t.equal(entries.length, 1, 'only the creation')

    const failed: Record<string, unknown>[] = [
      { stage: 'closed_lost' },
      { stage: 'no_such_stage' },
      { amount: '1.234' },
      { probability: 101 }
    ]
    for (const body of failed) {
      const res = await patch(ws, o.id, body)
      t.ok(res.statusCode === 400 || res.statusCode === 422, `${JSON.stringify(body)}: ${res.statusCode}`)
    }
    const refused = await ws.request({
      method: 'POST', url: '/v1/opportunities', payload: { name: 'X', accountId: randomUUID() }
    })
    t.equal(refused.statusCode, 422, 'a refused create')
    t.same(await history(ws, o.id), entries, 'a failed write records nothing')
    const rows = await app.deps.db.select().from(opportunityHistory)
      .where(eq(opportunityHistory.workspaceId, ws.workspaceId))
    t.equal(rows.length, 1, 'and nothing for the refused create either')
  })

  t.test('deleting keeps the history but hides it; a stage flag change records nothing', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws, { stage: 'negotiation' })
    const stages = (await ws.request({ method: 'GET', url: '/v1/opportunity-stages' })).json().data
    const negotiation = stages.find((s: { key: string }) => s.key === 'negotiation')
    const flagged = await ws.request({
      method: 'PATCH',
      url: `/v1/opportunity-stages/${negotiation.id}`,
      payload: { isClosed: true, isWon: true }
    })
    t.equal(flagged.statusCode, 200, flagged.body)
    t.equal((await history(ws, o.id)).length, 1)

    t.equal((await ws.request({ method: 'DELETE', url: `/v1/opportunities/${o.id}` })).statusCode, 204)
    const hidden = await ws.request({ method: 'GET', url: historyUrl(o.id) })
    assertFullProblem(t, hidden, 404, 'CRM_OPPORTUNITY_NOT_FOUND')
    const kept = await app.deps.db.select().from(opportunityHistory)
      .where(eq(opportunityHistory.opportunityId, o.id))
    t.equal(kept.length, 1, 'the rows stay')
  })

  t.test('changedById is the user whose credential made the change', async (t) => {
    const ws = await createWorkspace(app)
    const sales = await createUser(app, ws, 'sales')
    const o = await createOpportunity(sales)
    t.equal((await patch(ws, o.id, { amount: '10' })).statusCode, 200)
    const [byAdmin, bySales] = await history(ws, o.id)
    t.equal(bySales?.changedById, sales.id)
    t.equal(byAdmin?.changedById, ws.userId)
  })

  t.test('concurrent writes are each recorded once, in a consistent chain', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws)
    const amounts = ['1.00', '2.00', '3.00', '4.00', '5.00', '6.00']
    const answers = await Promise.all(amounts.map((amount) => patch(ws, o.id, { amount })))
    t.ok(answers.every((r) => r.statusCode === 200), answers.map((r) => r.body).join('\n'))
    const entries = await history(ws, o.id)
    t.equal(entries.length, amounts.length + 1)
    t.same(entries.slice(0, -1).map((e) => e.amount).sort(), amounts)
    for (let i = 0; i + 1 < entries.length; i++) {
      t.equal(entries[i]?.previousAmount, entries[i + 1]?.amount)
    }
    const final = (await ws.request({ method: 'GET', url: `/v1/opportunities/${o.id}` })).json()
    t.equal(entries[0]?.amount, final.amount, 'the newest entry is the current value')
  })

  t.test('pages walk every entry once, newest first; cursors are checked', async (t) => {
    const ws = await createWorkspace(app)
    const o = await createOpportunity(ws)
    for (let i = 1; i <= 8; i++) {
      const res = await patch(ws, o.id, { amount: `${i}00` })
      if (res.statusCode !== 200) throw new Error(res.body)
    }
    const all = await history(ws, o.id)
    t.equal(all.length, 9)
    for (const limit of [1, 2, 4, 9, 50]) {
      const walked = await walkList(ws, historyUrl(o.id), limit, { t, each: ['status', 'size'] })
      t.same(walked.ids, all.map((e) => e.id), `limit ${limit}`)
      t.equal(walked.pages, Math.ceil(9 / limit))
    }
    const otherSort = Buffer.from('["-createdAt,-id",1,2]').toString('base64url')
    for (const query of ['cursor=nonsense', `cursor=${otherSort}`]) {
      const res = await ws.request({ method: 'GET', url: `${historyUrl(o.id)}?${query}` })
      assertProblem(t, res, 400, 'CRM_BAD_REQUEST')
      t.equal(res.json().errors[0].pointer, 'cursor')
    }
    for (const query of ['limit=0', 'limit=201', 'sort=changedAt', 'stage=proposal']) {
      const res = await ws.request({ method: 'GET', url: `${historyUrl(o.id)}?${query}` })
      const problem = assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      t.equal(problem.errors[0].pointer, query.split('=')[0])
    }
  })

  t.test('an unknown or foreign opportunity answers 404; every role reads', async (t) => {
    const a = await createWorkspace(app)
    const b = await createWorkspace(app)
    const theirs = await createOpportunity(b, { amount: '99' })
    const before = await history(b, theirs.id)
    for (const id of [theirs.id, randomUUID()]) {
      const res = await a.request({ method: 'GET', url: historyUrl(id) })
      const problem = assertFullProblem(t, res, 404, 'CRM_OPPORTUNITY_NOT_FOUND')
      t.match(problem.detail, id)
    }
    assertProblem(t, await a.request({ method: 'GET', url: historyUrl('nope') }), 400, 'CRM_VALIDATION_ERROR')
    t.same(await history(b, theirs.id), before)

    const mine = await createOpportunity(a)
    for (const role of ['readonly', 'support', 'marketing']) {
      const user = await createUser(app, a, role)
      const res = await user.request({ method: 'GET', url: historyUrl(mine.id) })
      t.equal(res.statusCode, 200, `${role} reads the history`)
    }
    const anonymous = await app.inject({ method: 'GET', url: historyUrl(mine.id) })
    assertProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
  })

  t.test('property: the history is exactly the sequence of changing writes', async (t) => {
    const ws = await createWorkspace(app)
    const open = DEFAULT_STAGES.filter((s) => !s.isClosed)
    const probabilityOf = new Map<string, number>(DEFAULT_STAGES.map((s) => [s.key, s.probability]))
    const write = fc.record({
      stage: fc.constantFrom(...open.map((s) => s.key)),
      amount: fc.oneof(fc.constant(null), fc.constantFrom('10', '10.00', '25.5', '99.99')),
      probability: fc.integer({ min: 0, max: 100 }),
      closeDate: fc.oneof(fc.constant(null), fc.constantFrom('2027-01-01', '2027-02-15')),
      name: fc.constantFrom('A', 'B')
    }, { requiredKeys: [] })
    // As stored: two fraction digits.
    const money = (v: string | null) =>
      v === null ? null : v.includes('.') ? v.padEnd(v.indexOf('.') + 3, '0') : `${v}.00`

    await fc.assert(fc.asyncProperty(fc.array(write, { maxLength: 6 }), async (writes) => {
      const o = await createOpportunity(ws)
      let current = valuesOf(o)
      const expected: { changed: Field[], before: Values, after: Values }[] = []
      for (const body of writes) {
        const res = await patch(ws, o.id, body)
        if (res.statusCode !== 200) throw new Error(res.body)
        const next: Values = { ...current }
        if (body.amount !== undefined) next.amount = money(body.amount)
        if (body.closeDate !== undefined) next.closeDate = body.closeDate
        if (body.stage !== undefined && body.stage !== current.stage) {
          next.stage = body.stage
          next.probability = probabilityOf.get(body.stage) as number
        }
        if (body.probability !== undefined) next.probability = body.probability
        t.same(valuesOf(res.json()), next, 'the model agrees with the record')
        const changed = FIELDS.filter((f) => next[f] !== current[f])
        if (changed.length > 0) expected.push({ changed, before: current, after: next })
        current = next
      }
      const entries = (await history(ws, o.id)).reverse()
      const [created, ...changes] = entries
      t.same(created?.changedFields, FIELDS)
      const recorded = changes.map((e) =>
        ({ changed: e.changedFields, before: previousOf(e), after: valuesOf(e) }))
      t.same(recorded, expected)
    }), { numRuns: 15, seed: 20261203 })
  })
})
