import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import t from 'tap'
import { LEAD_SOURCES } from '../../../src/modules/leads/leads.schemas.js'
import { DEFAULT_RULES } from '../../../src/modules/lead-scoring/lead-scoring.defaults.js'
import { scoreLeads } from '../../../src/modules/lead-scoring/lead-scoring.queries.js'
import type { FitRule, ScoringRules } from '../../../src/modules/lead-scoring/lead-scoring.schemas.js'
import type { ScoringTarget } from '../../../src/modules/lead-scoring/lead-scoring.sql.js'
import { createCampaign } from '../../fixtures/campaigns.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { insertLeads, insertMembers, scoreColumns } from './scoring.fixtures.js'
import { type OracleLead, type OracleMember, oracleScore } from './scoring.oracle.js'

// The compiled scoring statement against the hand computation of
// scoring.oracle.ts, on real PostgreSQL: random rules, random leads and
// campaign memberships, random asOf days. Rows are written straight into
// the tables and scored by the same statement the jobs run.

const DAY_MS = 86_400_000
const ASCII = [...'aAbBcCdD %_\\\'"-']
const word = fc.array(fc.constantFrom(...ASCII), { minLength: 1, maxLength: 4 }).map((a) => a.join(''))
const phrase = fc.array(fc.constantFrom(...ASCII), { minLength: 0, maxLength: 12 }).map((a) => a.join(''))
const INDUSTRIES = ['Software', 'software', 'SOFTWARE', 'Retail', 'ret%il', 'Energy', "O'Brien & Co"]
const DOMAINS = ['gmail.com', 'GMail.com', 'globex.example', 'yahoo.co.uk', 'initech.example', 'proton.me']

const cents = fc.integer({ min: 0, max: 10_000_000 }).map((c) => (c / 100).toFixed(2))
const points = fc.integer({ min: -100, max: 100 })

function bounds<T> (value: fc.Arbitrary<T>, less: (a: T, b: T) => boolean) {
  return fc.tuple(fc.option(value), fc.option(value))
    .filter(([a, b]) => a !== null || b !== null)
    .map(([a, b]) => (a !== null && b !== null && less(b, a) ? [b, a] : [a, b]) as [T | null, T | null])
}

const some = <T>(value: fc.Arbitrary<T>) => fc.array(value, { minLength: 1, maxLength: 3 })

const fitRule: fc.Arbitrary<Omit<FitRule, 'name'>> = fc.oneof(
  fc.record({ type: fc.constant('industry' as const), anyOf: some(fc.constantFrom(...INDUSTRIES)), points }),
  fc.record({ type: fc.constant('title_contains' as const), anyOf: some(word), points }),
  fc.record({ type: fc.constant('source' as const), anyOf: some(fc.constantFrom(...LEAD_SOURCES)), points }),
  fc.tuple(bounds(fc.integer({ min: 0, max: 2000 }), (a, b) => a < b), points)
    .map(([[min, max], p]) => ({ type: 'company_size' as const, min, max, points: p })),
  fc.tuple(bounds(cents, (a, b) => Number(a) < Number(b)), fc.constantFrom(null, 'EUR', 'USD'), points)
    .map(([[min, max], currency, p]) => ({ type: 'estimated_amount' as const, min, max, currency, points: p })),
  fc.record({ type: fc.constant('email_domain' as const), freeMail: fc.boolean(), points })
)

const rulesArb: fc.Arbitrary<ScoringRules> = fc.record({
  fit: fc.array(fitRule, { maxLength: 8 })
    .map((rules) => rules.map((r, i) => ({ ...r, name: `rule ${i}` }) as FitRule)),
  engagement: fc.record({
    openedPoints: fc.integer({ min: 0, max: 100 }),
    clickedPoints: fc.integer({ min: 0, max: 100 }),
    respondedPoints: fc.integer({ min: 0, max: 100 }),
    halfLifeDays: fc.option(fc.integer({ min: 1, max: 400 })),
    maxPoints: fc.integer({ min: 0, max: 100 })
  })
})

const leadArb: fc.Arbitrary<OracleLead> = fc.record({
  industry: fc.option(fc.constantFrom(...INDUSTRIES)),
  title: fc.option(phrase.filter((s) => s.length > 0)),
  source: fc.option(fc.constantFrom(...LEAD_SOURCES)),
  numberOfEmployees: fc.option(fc.integer({ min: 0, max: 2000 })),
  estimatedAmount: fc.option(cents),
  currency: fc.constantFrom('EUR', 'USD'),
  email: fc.option(fc.tuple(word, fc.constantFrom(...DOMAINS)).map(([u, d]) => `${u.replace(/[^a-z]/gi, 'x')}@${d}`))
})

// Event times from 400 days before the asOf day to 3 days after it, to the millisecond.
const memberArb = (asOf: number): fc.Arbitrary<OracleMember> => {
  const at = fc.option(fc.integer({ min: -400 * DAY_MS, max: 3 * DAY_MS }).map((d) => new Date(asOf + d)))
  return fc.record({ openedAt: at, clickedAt: at, respondedAt: at })
}

const asOfArb = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) })

const caseArb = asOfArb.chain((asOf) => fc.record({
  asOf: fc.constant(asOf),
  rules: rulesArb,
  leads: fc.array(fc.tuple(leadArb, fc.array(memberArb(asOf), { maxLength: 3 })), { minLength: 1, maxLength: 8 })
}))

const app = await buildTestApp(t)
const db = app.deps.db

const BLANK = {
  industry: null, title: null, source: null, numberOfEmployees: null, estimatedAmount: null, email: null
}

const target = (workspaceId: string, rules: ScoringRules, asOf: number, rulesVersion = 7): ScoringTarget =>
  ({ workspaceId, rulesVersion, rules, asOfDay: new Date(asOf).toISOString().slice(0, 10) })

/** A scored row's breakdown entries. */
const entriesOf = (row: { scoreBreakdown: unknown } | undefined) =>
  (row?.scoreBreakdown ?? []) as { rule: string, points: number }[]

t.test('the SQL score and breakdown are the hand-computed ones, for random rules and leads', async (t) => {
  const ws = await createWorkspace(app)
  const campaigns = await Promise.all([1, 2, 3].map((i) => createCampaign(ws, { name: `C${i}` })))
  const campaignIds = campaigns.map((c) => c.id)
  let compared = 0

  await fc.assert(fc.asyncProperty(caseArb, async ({ asOf, rules, leads: cases }) => {
    const ids = await insertLeads(db, ws.workspaceId, cases.map(([lead]) => lead))
    for (const [i, [, members]] of cases.entries()) {
      await insertMembers(db, ws.workspaceId, ids[i] as string, campaignIds, members)
    }
    const result = await scoreLeads(db, target(ws.workspaceId, rules, asOf), { ids })
    if (result.scored !== ids.length) throw new Error(`scored ${result.scored} of ${ids.length}`)

    const rows = await scoreColumns(db, ids, rules)
    for (const [i, [lead, members]] of cases.entries()) {
      const row = rows.get(ids[i] as string)
      const expected = oracleScore(rules, lead, members, target('', rules, asOf).asOfDay)
      const actual = { score: row?.score, breakdown: row?.scoreBreakdown }
      if (!isDeepStrictEqual(actual, expected) || row?.scoreRulesVersion !== 7) {
        throw new Error(`lead ${i}: ${JSON.stringify({ lead, members, actual, expected })}`)
      }
      compared++
    }
  }), { numRuns: 200 })
  t.ok(compared >= 200, `${compared} leads scored as computed by hand`)
})

t.test('scores clamp to 0 and 100, and the breakdown keeps the unclamped points', async (t) => {
  const ws = await createWorkspace(app)
  const rules: ScoringRules = {
    fit: [
      { name: 'Big', type: 'industry', anyOf: ['Software'], points: 80 },
      { name: 'Bigger', type: 'title_contains', anyOf: ['ceo'], points: 70 },
      { name: 'Bad', type: 'source', anyOf: ['other'], points: -100 },
      { name: 'Worse', type: 'email_domain', freeMail: true, points: -30 }
    ],
    engagement: { ...DEFAULT_RULES.engagement }
  }
  const none = { numberOfEmployees: null, estimatedAmount: null }
  const ids = await insertLeads(db, ws.workspaceId, [
    { ...none, industry: 'software', title: 'CEO', source: null, email: null },
    { ...none, industry: null, title: null, source: 'other', email: 'x@gmail.com' },
    { ...none, industry: 'Software', title: null, source: 'other', email: null }
  ])
  await scoreLeads(db, target(ws.workspaceId, rules, Date.now()), { ids })
  const rows = await scoreColumns(db, ids, rules)
  const sum = (id: string) =>
    entriesOf(rows.get(id)).reduce((s, e) => s + e.points, 0)

  t.equal(rows.get(ids[0] as string)?.score, 100, 'clamped to 100')
  t.equal(sum(ids[0] as string), 150, 'the entries still add up to 150')
  t.equal(rows.get(ids[1] as string)?.score, 0, 'clamped to 0')
  t.equal(sum(ids[1] as string), -130)
  t.equal(rows.get(ids[2] as string)?.score, 0, '80 - 100 clamps to 0')
})

t.test('engagement decays by whole days to asOf, and is capped', async (t) => {
  const ws = await createWorkspace(app)
  const campaigns = await Promise.all([1, 2, 3].map((i) => createCampaign(ws, { name: `C${i}` })))
  const rules: ScoringRules = {
    fit: [],
    engagement: { openedPoints: 10, clickedPoints: 20, respondedPoints: 40, halfLifeDays: 10, maxPoints: 50 }
  }
  const [lead] = await insertLeads(db, ws.workspaceId, [BLANK])
  const at = (iso: string) => new Date(iso)
  // Opened 2026-03-01 23:59 UTC and clicked 2026-03-11 00:01 UTC.
  await insertMembers(db, ws.workspaceId, lead as string, campaigns.map((c) => c.id), [
    { openedAt: at('2026-03-01T23:59:00Z'), clickedAt: at('2026-03-11T00:01:00Z'), respondedAt: null }
  ])
  const scoreOn = async (day: string) => {
    await scoreLeads(db, target(ws.workspaceId, rules, Date.parse(`${day}T12:00:00Z`)), { ids: [lead as string] })
    const row = (await scoreColumns(db, [lead as string], rules)).get(lead as string)
    return { score: row?.score, entries: entriesOf(row).map((e) => [e.rule, e.points]) }
  }

  t.same(await scoreOn('2026-03-01'), { score: 30, entries: [['opened', 10], ['clicked', 20]] },
    'the open is of that day; the click lies after asOf: age 0, full points')
  t.same(await scoreOn('2026-03-11'), { score: 25, entries: [['opened', 5], ['clicked', 20]] },
    '10 days: an open is worth half; a click that day in full')
  t.same(await scoreOn('2026-03-21'), { score: 13, entries: [['opened', 3], ['clicked', 10]] },
    '20 days: a quarter (2.5 rounds up to 3); 10 days: half')
  t.same(await scoreOn('2026-03-12'), { score: 24, entries: [['opened', 5], ['clicked', 19]] },
    '11 days: 10 × 0.5^1.1 = 4.67 → 5; 1 day: 20 × 0.5^0.1 = 18.66 → 19')

  const capped: ScoringRules = { fit: [], engagement: { ...rules.engagement, halfLifeDays: null, maxPoints: 25 } }
  await scoreLeads(db, target(ws.workspaceId, capped, Date.parse('2027-01-01')), { ids: [lead as string] })
  const row = (await scoreColumns(db, [lead as string], capped)).get(lead as string)
  t.equal(row?.score, 25, 'no decay: 10 + 20, capped at 25')
  t.same(entriesOf(row).map((e) => [e.rule, e.points]),
    [['opened', 10], ['clicked', 20], ['engagement_cap', -5]])
})

t.test('running the same scoring twice writes the same result, and no record version', async (t) => {
  const ws = await createWorkspace(app)
  const [campaign] = await Promise.all([createCampaign(ws)])
  const leadsIn = fc.sample(leadArb, { numRuns: 30, seed: 42 })
  const ids = await insertLeads(db, ws.workspaceId, leadsIn)
  await insertMembers(db, ws.workspaceId, ids[0] as string, [campaign?.id as string], [
    { openedAt: new Date(Date.now() - 40 * DAY_MS), clickedAt: new Date(Date.now() - 3 * DAY_MS), respondedAt: null }
  ])
  const before = await scoreColumns(db, ids)
  const run = target(ws.workspaceId, DEFAULT_RULES, Date.parse('2026-06-15T08:00:00Z'), 0)

  await scoreLeads(db, run, { after: '00000000-0000-0000-0000-000000000000', limit: 1000 })
  const first = await scoreColumns(db, ids, DEFAULT_RULES)
  await scoreLeads(db, run, { after: '00000000-0000-0000-0000-000000000000', limit: 1000 })
  const second = await scoreColumns(db, ids, DEFAULT_RULES)

  const result = (m: typeof first) =>
    [...m.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ id: r.id, score: r.score, breakdown: r.scoreBreakdown, v: r.scoreRulesVersion }))
  t.same(result(second), result(first), 'score, breakdown and rules version are the same')
  t.ok([...first.values()].every((r) => r.score !== null), 'every lead was scored')
  for (const [id, row] of first) {
    t.equal(row.version, before.get(id)?.version, 'the record version does not move')
    t.same(row.updatedAt, before.get(id)?.updatedAt, 'nor does updatedAt')
  }
})

t.test('deleted and converted leads are not scored; newer rules are never overwritten', async (t) => {
  const ws = await createWorkspace(app)
  const blank = { ...BLANK, email: 'a@globex.example' }
  const [live, deleted, converted] = await insertLeads(db, ws.workspaceId, [
    blank,
    { ...blank, deletedAt: new Date() },
    { ...blank, status: 'converted' }
  ]) as [string, string, string]
  const all = { after: '00000000-0000-0000-0000-000000000000', limit: 100 }
  const result = await scoreLeads(db, target(ws.workspaceId, DEFAULT_RULES, Date.now(), 3), all)
  const greatest = [live, deleted, converted].sort().at(-1)
  t.same(result, { scored: 1, lastId: greatest }, 'skipped leads still move the cursor')
  const rows = await scoreColumns(db, [live, deleted, converted])
  t.equal(rows.get(live)?.score, 10)
  t.equal(rows.get(deleted)?.score, null, 'deleted: not scored')
  t.equal(rows.get(converted)?.score, null, 'converted: not scored')

  const olderRules = target(ws.workspaceId, { ...DEFAULT_RULES, fit: [] }, Date.now(), 2)
  const older = await scoreLeads(db, olderRules, { ids: [live] })
  t.equal(older.scored, 0, 'a job with older rules leaves a newer score alone')
  t.equal((await scoreColumns(db, [live])).get(live)?.score, 10)
})

t.test('rule values are bound, never run as SQL', async (t) => {
  const ws = await createWorkspace(app)
  const hostile = ["'); drop table leads; --", '%', '_', '\\', "O'Brien"]
  const rules: ScoringRules = {
    fit: [
      { name: "x'); delete from leads; --", type: 'title_contains', anyOf: hostile, points: 5 },
      { name: 'ind', type: 'industry', anyOf: hostile, points: 7 }
    ],
    engagement: { ...DEFAULT_RULES.engagement }
  }
  const blank = { source: null, numberOfEmployees: null, estimatedAmount: null, email: null }
  const ids = await insertLeads(db, ws.workspaceId, [
    { ...blank, title: 'Plain title', industry: 'Software' },
    { ...blank, title: '100% sure', industry: "o'brien" },
    { ...blank, title: 'snake_case', industry: '%' }
  ])
  await scoreLeads(db, target(ws.workspaceId, rules, Date.now()), { ids })
  const rows = await scoreColumns(db, ids)
  t.same(ids.map((id) => rows.get(id)?.score), [0, 12, 12], '% and _ are plain characters')
  t.equal(rows.size, 3, 'the table is still there')
})

t.test('an amount rule naming a currency looks only at leads in that currency', async (t) => {
  const ws = await createWorkspace(app)
  const rules: ScoringRules = {
    fit: [
      { name: 'Big EUR', type: 'estimated_amount', min: '10000.00', max: null, currency: 'EUR', points: 20 },
      { name: 'Big any', type: 'estimated_amount', min: '10000.00', max: null, currency: null, points: 5 }
    ],
    engagement: { ...DEFAULT_RULES.engagement }
  }
  const blank = { industry: null, title: null, source: null, numberOfEmployees: null, email: null }
  const ids = await insertLeads(db, ws.workspaceId, [
    { ...blank, estimatedAmount: '25000.00', currency: 'EUR' },
    { ...blank, estimatedAmount: '25000.00', currency: 'USD' },
    { ...blank, estimatedAmount: '500.00', currency: 'EUR' }
  ])
  await scoreLeads(db, target(ws.workspaceId, rules, Date.now()), { ids })
  const rows = await scoreColumns(db, ids, rules)
  t.same(ids.map((id) => rows.get(id)?.score), [25, 5, 0], 'EUR matches both rules, USD only the one without currency')
  t.same(entriesOf(rows.get(ids[0] as string)).map((e) => (e as { description?: string }).description), [
    'estimatedAmount at least 10000.00 EUR',
    'estimatedAmount at least 10000.00'
  ], 'the breakdown names the currency')
})
