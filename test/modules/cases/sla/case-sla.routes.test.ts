import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { caseSlaPolicies } from '../../../../src/modules/cases/sla/case-sla.table.js'
import { createCase } from '../../../fixtures/cases.js'
import { assertProblem } from '../../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../../fixtures/workspaces.js'
import { buildTestApp } from '../../../helper.js'

// The service levels of case priorities, per workspace, through the real
// app and database; the defaults are restated here rather than imported.

const app = await buildTestApp(t)

const MINUTE = 60 * 1000
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
type Priority = (typeof PRIORITIES)[number]
const DEFAULTS: Record<Priority, [number, number]> = {
  urgent: [60, 240], high: [240, 1440], normal: [480, 4320], low: [1440, 7200]
}

interface Policy { priority: string, firstResponseMinutes: number, resolutionMinutes: number }
type Caller = Pick<TestWorkspace, 'request'>

const getPolicies = (ws: Caller) => ws.request({ method: 'GET', url: '/v1/case-sla-policies' })
const putPolicies = (ws: Caller, policies: unknown) =>
  ws.request({ method: 'PUT', url: '/v1/case-sla-policies', payload: { policies } })

/** What the API answers for a workspace whose own policies are `own`. */
function expected (own: Policy[]) {
  return PRIORITIES.map((priority) => {
    const set = own.find((p) => p.priority === priority)
    if (set !== undefined) return { ...set, isDefault: false }
    const [firstResponseMinutes, resolutionMinutes] = DEFAULTS[priority]
    return { priority, firstResponseMinutes, resolutionMinutes, isDefault: true }
  })
}

/** Due times of a case, in minutes after its creation. */
function dueMinutes (kase: { createdAt: string, firstResponseDueAt: string, resolutionDueAt: string }) {
  const created = Date.parse(kase.createdAt)
  return [
    (Date.parse(kase.firstResponseDueAt) - created) / MINUTE,
    (Date.parse(kase.resolutionDueAt) - created) / MINUTE
  ]
}

t.test('answers the defaults, urgent first, for a new workspace', async (t) => {
  const ws = await createWorkspace(app)
  const res = await getPolicies(ws)
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { data: expected([]) })

  for (const priority of PRIORITIES) {
    const kase = await createCase(ws, { priority })
    t.same(dueMinutes(kase), DEFAULTS[priority], `${priority} uses the default`)
  }

  const extra = await ws.request({ method: 'GET', url: '/v1/case-sla-policies?priority=urgent' })
  assertProblem(t, extra, 400, 'CRM_VALIDATION_ERROR')
})

t.test('replaces a workspace\'s policies and computes due times from them', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const before = await createCase(ws, { priority: 'urgent' })
  const own = [
    { priority: 'low', firstResponseMinutes: 2880, resolutionMinutes: 14400 },
    { priority: 'urgent', firstResponseMinutes: 15, resolutionMinutes: 15 }
  ]

  const put = await putPolicies(ws, own)
  t.equal(put.statusCode, 200, put.body)
  t.same(put.json(), { data: expected(own) })
  t.same((await getPolicies(ws)).json(), { data: expected(own) })

  t.same(dueMinutes(await createCase(ws, { priority: 'urgent' })), [15, 15], 'the workspace policy')
  t.same(dueMinutes(await createCase(ws, { priority: 'low' })), [2880, 14400])
  t.same(dueMinutes(await createCase(ws, { priority: 'high' })), DEFAULTS.high, 'unset: the default')

  t.same((await getPolicies(other)).json(), { data: expected([]) }, 'another workspace is unaffected')
  t.same(dueMinutes(await createCase(other, { priority: 'urgent' })), DEFAULTS.urgent)

  const kept = await ws.request({ method: 'GET', url: `/v1/cases/${before.id}` })
  t.same(dueMinutes(kept.json()), DEFAULTS.urgent, 'an existing case keeps its due times')
  t.equal(kept.json().version, 1)

  const moved = await ws.request({
    method: 'PATCH', url: `/v1/cases/${before.id}`, payload: { priority: 'low' }
  })
  t.equal(moved.statusCode, 200, moved.body)
  t.same(dueMinutes(moved.json()), [2880, 14400], 'a new priority takes the current policy')
  t.equal(moved.json().createdAt, before.createdAt)
  const back = await ws.request({
    method: 'PATCH', url: `/v1/cases/${before.id}`, payload: { priority: 'urgent' }
  })
  t.same(dueMinutes(back.json()), [15, 15], 'from createdAt, with the policy as it stands now')
})

t.test('restores the default of a priority left out, and sets it again later', async (t) => {
  const ws = await createWorkspace(app)
  const urgent = { priority: 'urgent', firstResponseMinutes: 30, resolutionMinutes: 120 }
  const high = { priority: 'high', firstResponseMinutes: 60, resolutionMinutes: 600 }

  t.equal((await putPolicies(ws, [urgent, high])).statusCode, 200)
  const dropped = await putPolicies(ws, [high])
  t.same(dropped.json(), { data: expected([high]) })
  t.same(dueMinutes(await createCase(ws, { priority: 'urgent' })), DEFAULTS.urgent)

  const again = { ...urgent, firstResponseMinutes: 45 }
  const restored = await putPolicies(ws, [again, high])
  t.equal(restored.statusCode, 200, restored.body)
  t.same(restored.json(), { data: expected([again, high]) })

  const rows = await app.deps.db
    .select()
    .from(caseSlaPolicies)
    .where(eq(caseSlaPolicies.workspaceId, ws.workspaceId))
  t.equal(rows.length, 2, 'one row per priority, revived rather than duplicated')
  t.ok(rows.every((r) => r.deletedAt === null))
  t.equal(rows.find((r) => r.priority === 'urgent')?.version, 3, 'written through the record writer')

  const same = await putPolicies(ws, [again, high])
  t.same(same.json(), restored.json(), 'replacing with the same policies changes nothing')

  const reset = await putPolicies(ws, [])
  t.same(reset.json(), { data: expected([]) }, 'an empty list restores every default')
})

t.test('refuses a priority named twice or a resolution shorter than the first response', async (t) => {
  const ws = await createWorkspace(app)
  const own = [{ priority: 'normal', firstResponseMinutes: 100, resolutionMinutes: 1000 }]
  await putPolicies(ws, own)

  const twice = await putPolicies(ws, [
    { priority: 'high', firstResponseMinutes: 10, resolutionMinutes: 20 },
    { priority: 'high', firstResponseMinutes: 30, resolutionMinutes: 40 }
  ])
  const problem = assertProblem(t, twice, 422, 'CRM_CASE_SLA_POLICY_INVALID')
  t.same(problem.errors, [{ pointer: '/policies/1/priority', message: 'high is listed more than once' }])

  const short = await putPolicies(ws, [
    { priority: 'low', firstResponseMinutes: 10, resolutionMinutes: 20 },
    { priority: 'urgent', firstResponseMinutes: 61, resolutionMinutes: 60 }
  ])
  const shortProblem = assertProblem(t, short, 422, 'CRM_CASE_SLA_POLICY_INVALID')
  t.same(shortProblem.errors, [{
    pointer: '/policies/1/resolutionMinutes', message: 'must be at least firstResponseMinutes (61)'
  }])

  const one = (values: Record<string, unknown>) =>
    [{ priority: 'urgent', firstResponseMinutes: 10, resolutionMinutes: 10, ...values }]
  const invalid: [unknown, string][] = [
    [one({ firstResponseMinutes: 0 }), '/policies/0/firstResponseMinutes'],
    [one({ resolutionMinutes: 525601 }), '/policies/0/resolutionMinutes'],
    [one({ firstResponseMinutes: 1.5 }), '/policies/0/firstResponseMinutes'],
    [one({ priority: 'critical' }), '/policies/0/priority'],
    [[{ priority: 'urgent', firstResponseMinutes: 10 }], '/policies/0/resolutionMinutes'],
    [one({ isDefault: false }), '/policies/0/isDefault'],
    [[...PRIORITIES, 'urgent'].map((priority) =>
      ({ priority, firstResponseMinutes: 1, resolutionMinutes: 1 })), '/policies']
  ]
  for (const [policies, pointer] of invalid) {
    const res = await putPolicies(ws, policies)
    const body = assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(body.errors[0].pointer, pointer, JSON.stringify(policies))
  }
  const missing = await ws.request({ method: 'PUT', url: '/v1/case-sla-policies', payload: {} })
  assertProblem(t, missing, 400, 'CRM_VALIDATION_ERROR')

  t.same((await getPolicies(ws)).json(), { data: expected(own) }, 'nothing changed')

  const edge = [{ priority: 'urgent', firstResponseMinutes: 525600, resolutionMinutes: 525600 }]
  t.equal((await putPolicies(ws, edge)).statusCode, 200, 'equal times and the maximum are allowed')
})

t.test('lets every role read the policies and only an admin replace them', async (t) => {
  const ws = await createWorkspace(app)
  const own = [{ priority: 'high', firstResponseMinutes: 5, resolutionMinutes: 50 }]

  for (const role of ['manager', 'support', 'sales', 'marketing', 'readonly']) {
    const user = await createUser(app, ws, role)
    const read = await getPolicies(user)
    t.equal(read.statusCode, 200, `${role} reads`)
    assertProblem(t, await putPolicies(user, own), 403, 'CRM_FORBIDDEN')
  }
  t.same((await getPolicies(ws)).json(), { data: expected([]) }, 'no refused write landed')

  const noToken = await app.inject({ method: 'GET', url: '/v1/case-sla-policies' })
  assertProblem(t, noToken, 401, 'CRM_UNAUTHORIZED')
  const anonymous = await app.inject({
    method: 'PUT', url: '/v1/case-sla-policies', payload: { policies: own }
  })
  assertProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
})

t.test('serializes concurrent replacements of one workspace\'s policies', async (t) => {
  const ws = await createWorkspace(app)
  const sets = Array.from({ length: 6 }, (_, i) => [
    { priority: 'urgent', firstResponseMinutes: 10 + i, resolutionMinutes: 100 },
    { priority: 'normal', firstResponseMinutes: 20 + i, resolutionMinutes: 200 }
  ])
  const answers = await Promise.all(sets.map((set) => putPolicies(ws, set)))
  t.same(answers.map((r) => r.statusCode), sets.map(() => 200), 'none fails on the unique key')

  const final = (await getPolicies(ws)).json()
  t.ok(sets.some((set) => JSON.stringify(final) === JSON.stringify({ data: expected(set) })),
    'the result is one whole replacement')
})

t.test('derives due times from any valid set of policies', async (t) => {
  const ws = await createWorkspace(app)
  const policy = (priority: string) =>
    fc.integer({ min: 1, max: 525600 }).chain((first) =>
      fc.integer({ min: first, max: 525600 }).map((resolution) =>
        ({ priority, firstResponseMinutes: first, resolutionMinutes: resolution })))
  const policies = fc.subarray([...PRIORITIES]).chain((chosen) => fc.tuple(...chosen.map(policy)))

  await fc.assert(
    fc.asyncProperty(policies, fc.constantFrom(...PRIORITIES), async (own, priority) => {
      const put = await putPolicies(ws, own)
      if (JSON.stringify(put.json()) !== JSON.stringify({ data: expected(own) })) {
        throw new Error(`PUT answered ${put.body}`)
      }
      const kase = await createCase(ws, { priority })
      const wanted = expected(own).find((p) => p.priority === priority) as Policy
      const got = dueMinutes(kase)
      if (got[0] !== wanted.firstResponseMinutes || got[1] !== wanted.resolutionMinutes) {
        const want = JSON.stringify(wanted)
        throw new Error(`${priority}: due after ${got.join(' / ')} minutes, wanted ${want}`)
      }
    }),
    { numRuns: 15, seed: 20261203 }
  )
  t.pass('due times follow the policy in force')
})
