import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { scoreLeads } from '../../../src/modules/lead-scoring/lead-scoring.queries.js'
import { scoringTarget } from '../../../src/modules/lead-scoring/lead-scoring.service.js'
import { leadScoringRuleVersions } from '../../../src/modules/lead-scoring/lead-scoring.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { createLead } from '../../fixtures/leads.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// A lead stores which rules matched it, not its breakdown; the breakdown is
// read back against the rules version that scored it. These tests change
// the rules under scored leads and read their breakdowns through the API.

const app = await buildTestApp(t)
const db = app.deps.db

const V1 = {
  fit: [
    { name: 'Software', type: 'industry', anyOf: ['Software'], points: 20 },
    { name: 'Senior', type: 'title_contains', anyOf: ['head'], points: 15 },
    { name: 'Free mail', type: 'email_domain', freeMail: true, points: -10 }
  ],
  engagement: { openedPoints: 1, clickedPoints: 2, respondedPoints: 3, maxPoints: 10 }
}
// The same rule positions, other names and points: a breakdown read against
// the wrong version would show these.
const V2 = {
  fit: [
    { name: 'Retail', type: 'industry', anyOf: ['Retail'], points: 5 },
    { name: 'Head count', type: 'title_contains', anyOf: ['head'], points: 1 }
  ],
  engagement: { openedPoints: 1, clickedPoints: 1, respondedPoints: 1, maxPoints: 5 }
}

const putRules = async (ws: TestWorkspace, rules: unknown) => {
  const res = await ws.request({ method: 'PUT', url: '/v1/lead-scoring/rules', payload: rules as object })
  if (res.statusCode !== 200) throw new Error(`PUT rules answered ${res.statusCode}: ${res.body}`)
}
const score = async (ws: TestWorkspace, id: string) => {
  const target = await scoringTarget(db, ws.workspaceId, new Date().toISOString())
  await scoreLeads(db, target, { ids: [id] })
}
const readScore = async (ws: TestWorkspace, id: string) => {
  const res = await ws.request({ method: 'GET', url: `/v1/leads/${id}/score` })
  if (res.statusCode !== 200) throw new Error(`GET score answered ${res.statusCode}: ${res.body}`)
  return res.json()
}
const entries = (body: { breakdown: { rule: string, points: number }[] }) =>
  body.breakdown.map((e) => [e.rule, e.points])

t.test('a breakdown is read against the rules version that scored the lead', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, { industry: 'Software', title: 'Head of IT', email: 'ann@gmail.com' })

  await score(ws, lead.id)
  const defaults = await readScore(ws, lead.id)
  t.match(defaults, { rulesVersion: 0, stale: false })
  t.same(entries(defaults), [['Free-mail address', -5], ['Decision maker', 15]], 'the defaults matched')

  await putRules(ws, V1)
  const staleRead = await readScore(ws, lead.id)
  t.match(staleRead, { rulesVersion: 0, currentRulesVersion: 1, stale: true, score: 10 })
  t.same(entries(staleRead), entries(defaults), 'still explained by the defaults that scored it')

  await score(ws, lead.id)
  const v1 = await readScore(ws, lead.id)
  t.match(v1, { rulesVersion: 1, stale: false, score: 25 })
  t.same(entries(v1), [['Software', 20], ['Senior', 15], ['Free mail', -10]])
  t.same(v1.breakdown[0], {
    rule: 'Software',
    kind: 'fit',
    field: 'industry',
    description: 'industry is "Software"',
    points: 20,
    events: null
  }, 'an entry in full')

  await putRules(ws, V2)
  const afterV2 = await readScore(ws, lead.id)
  t.match(afterV2, { rulesVersion: 1, currentRulesVersion: 2, stale: true, score: 25 })
  t.same(entries(afterV2), entries(v1), 'version 1 explains it, not the rules in force')

  const history = await db
    .select({ version: leadScoringRuleVersions.version })
    .from(leadScoringRuleVersions)
    .where(eq(leadScoringRuleVersions.workspaceId, ws.workspaceId))
    .orderBy(leadScoringRuleVersions.version)
  t.same(history.map((h) => h.version), [1, 2], 'each change is kept')
})

t.test('only the facts are stored with the score', async (t) => {
  const ws = await createWorkspace(app)
  await putRules(ws, V1)
  const lead = await createLead(ws, { industry: 'Software', title: 'Intern', email: 'bo@globex.example' })
  await score(ws, lead.id)
  const [row] = await db
    .select({ facts: leads.scoreFacts, breakdown: leads.scoreBreakdown })
    .from(leads)
    .where(eq(leads.id, lead.id))
  t.same(row, { facts: [0, 0, 0, 0, 0, 0, 0], breakdown: null },
    'no engagement, then the index of the one fit rule that matched')
})

t.test('a lead scored before facts existed keeps the breakdown it was written with', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, { title: 'Head of IT' })
  const written = [{
    rule: 'Old rule', kind: 'fit', field: 'title', description: 'title contains "head"', points: 12, events: null
  }]
  await db.execute(sql`update leads set score = 12, score_facts = null, score_rules_version = 0,
    scored_at = now(), score_breakdown = ${JSON.stringify(written)}::jsonb where id = ${lead.id}::uuid`)
  const legacy = await readScore(ws, lead.id)
  t.same(legacy.breakdown, written)

  await score(ws, lead.id)
  const rescored = await readScore(ws, lead.id)
  t.same(entries(rescored), [['Decision maker', 15]], 'a rescore replaces it with facts')
  const [row] = await db.select({ breakdown: leads.scoreBreakdown }).from(leads).where(eq(leads.id, lead.id))
  t.equal(row?.breakdown, null, 'and drops the old breakdown')
})
