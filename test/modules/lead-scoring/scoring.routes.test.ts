import { eq } from 'drizzle-orm'
import t from 'tap'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { DEFAULT_RULES } from '../../../src/modules/lead-scoring/lead-scoring.defaults.js'
import { pendingKey } from '../../../src/modules/lead-scoring/lead-scoring.enqueue.js'
import { addMember, createCampaign } from '../../fixtures/campaigns.js'
import { createLead } from '../../fixtures/leads.js'
import { assertFullProblem, assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The routes of lead scoring without workers: the rules document, its
// validation and permissions, the score of a lead, the rescore request,
// and the requests for scoring that writes leave behind (a Redis set of
// pending leads and one deduplicated job per workspace).

const app = await buildTestApp(t)

const RULES = {
  fit: [
    { name: 'Software', type: 'industry', anyOf: ['Software', 'SaaS'], points: 20 },
    { name: 'Senior', type: 'title_contains', anyOf: ['head'], points: 15 },
    { name: 'Mid-size', type: 'company_size', min: 50, max: 500, points: 10 },
    { name: 'Budget', type: 'estimated_amount', min: '9.00', points: 5 },
    { name: 'Free mail', type: 'email_domain', freeMail: true, points: -10 }
  ],
  engagement: { openedPoints: 1, clickedPoints: 2, respondedPoints: 3, maxPoints: 10 }
}

const put = (ws: Pick<TestWorkspace, 'request'>, payload: unknown, headers: Record<string, string> = {}) =>
  ws.request({ method: 'PUT', url: '/v1/lead-scoring/rules', payload: payload as object, headers })

t.test('a workspace without rules reads the defaults, version 0', async (t) => {
  const ws = await createWorkspace(app)
  const res = await ws.request({ method: 'GET', url: '/v1/lead-scoring/rules' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers.etag, '"0"')
  t.same(res.json(), { version: 0, isDefault: true, updatedAt: null, updatedBy: null, ...DEFAULT_RULES })
})

t.test('PUT replaces the document, bumps the version and records one rescore', async (t) => {
  const ws = await createWorkspace(app)
  const res = await put(ws, RULES)
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.headers.etag, '"1"')
  const body = res.json()
  t.match(body.rules, { version: 1, isDefault: false, updatedBy: ws.userId })
  t.same(body.rules.fit[2], { ...RULES.fit[2] }, 'both bounds given')
  t.same(body.rules.fit[3], { ...RULES.fit[3], max: null, currency: null }, 'an absent bound, or currency, is null')
  t.same(body.rules.engagement, { ...RULES.engagement, halfLifeDays: null }, 'no half-life: no decay')
  t.match(body.rescoreJob, { type: 'leads.rescore', status: 'queued' })

  const [row] = await app.deps.db.select().from(jobs).where(eq(jobs.id, body.rescoreJob.id))
  t.match(row, { workspaceId: ws.workspaceId, queue: 'scoring', createdBy: ws.userId })
  t.match(row?.payload, { workspaceId: ws.workspaceId, reason: 'rules_changed' })
  t.ok(row?.enqueuedAt, 'handed to BullMQ after the commit')
  const queued = await app.deps.queues.get('scoring').getJob(body.rescoreJob.id)
  t.equal(queued?.name, 'leads.rescore')

  const read = await ws.request({ method: 'GET', url: '/v1/lead-scoring/rules' })
  t.same(read.json(), body.rules, 'GET answers what PUT stored')

  const again = await put(ws, RULES)
  t.equal(again.json().rules.version, 1, 'the same document changes nothing')
  t.equal(again.json().rescoreJob, null, 'and starts no rescore')

  const changed = await put(ws, { ...RULES, fit: RULES.fit.slice(1) })
  t.equal(changed.json().rules.version, 2)
  t.not(changed.json().rescoreJob.id, body.rescoreJob.id)
})

t.test('PUT refuses bad ranges and names used twice with a 422 naming each', async (t) => {
  const ws = await createWorkspace(app)
  const res = await put(ws, {
    fit: [
      { name: 'A', type: 'company_size', min: 500, max: 50, points: 1 },
      { name: 'B', type: 'estimated_amount', min: '100.50', max: '100.25', points: 1 },
      { name: 'A', type: 'estimated_amount', points: 1 },
      { name: 'C', type: 'estimated_amount', min: '9.00', max: '10.00', points: 1 },
      { name: 'D', type: 'company_size', min: null, max: null, points: 1 }
    ],
    engagement: RULES.engagement
  })
  const problem = assertFullProblem(t, res, 422, 'CRM_LEAD_SCORING_RULES_INVALID')
  t.same(problem.errors, [
    { pointer: '/fit/0/max', message: 'must be at least min (500)' },
    { pointer: '/fit/1/max', message: 'must be at least min (100.50)' },
    { pointer: '/fit/2/name', message: 'is the name of rule 0 already' },
    { pointer: '/fit/2', message: 'a range needs min, max or both' },
    { pointer: '/fit/4', message: 'a range needs min, max or both' }
  ], '9.00 to 10.00 is compared as numbers, not text')
  t.equal(problem.instance, '/v1/lead-scoring/rules')
  const read = await ws.request({ method: 'GET', url: '/v1/lead-scoring/rules' })
  t.equal(read.json().version, 0, 'nothing changed')
})

t.test('PUT refuses what the schema does not allow with a 400', async (t) => {
  const ws = await createWorkspace(app)
  const rule = { name: 'x', type: 'industry', anyOf: ['a'], points: 1 }
  const cases: [string, unknown][] = [
    ['an unknown rule type', { ...RULES, fit: [{ ...rule, type: 'zodiac' }] }],
    ['51 rules', { ...RULES, fit: Array.from({ length: 51 }, (_, i) => ({ ...rule, name: `r${i}` })) }],
    ['51 values', { ...RULES, fit: [{ ...rule, anyOf: Array.from({ length: 51 }, (_, i) => `v${i}`) }] }],
    ['an empty value', { ...RULES, fit: [{ ...rule, anyOf: [''] }] }],
    ['101 points', { ...RULES, fit: [{ ...rule, points: 101 }] }],
    ['a fractional amount bound', {
      ...RULES,
      fit: [{ name: 'm', type: 'estimated_amount', min: '1.005', points: 1 }]
    }],
    ['an unknown source', { ...RULES, fit: [{ ...rule, type: 'source', anyOf: ['carrier pigeon'] }] }],
    ['an unknown property', { ...RULES, fit: [{ ...rule, weight: 3 }] }],
    ['a half-life of 0', { ...RULES, engagement: { ...RULES.engagement, halfLifeDays: 0 } }],
    ['no engagement', { fit: [] }]
  ]
  for (const [what, body] of cases) {
    const res = await put(ws, body)
    t.equal(res.statusCode, 400, `${what}: ${res.body}`)
    t.equal(res.json().code, 'CRM_VALIDATION_ERROR', what)
  }
})

t.test('everyone reads the rules; admins, managers and marketing change them', async (t) => {
  const ws = await createWorkspace(app)
  for (const role of ['sales', 'support', 'readonly']) {
    const user = await createUser(app, ws, role)
    const read = await user.request({ method: 'GET', url: '/v1/lead-scoring/rules' })
    t.equal(read.statusCode, 200, `${role} reads`)
    assertProblem(t, await put(user, RULES), 403, 'CRM_FORBIDDEN')
    const rescore = await user.request({ method: 'POST', url: '/v1/leads/rescore' })
    assertProblem(t, rescore, 403, 'CRM_FORBIDDEN')
  }
  for (const role of ['manager', 'marketing']) {
    const user = await createUser(app, ws, role)
    const res = await put(user, { ...RULES, fit: [{ ...RULES.fit[0], name: role }] })
    t.equal(res.statusCode, 200, `${role} writes`)
  }
  const anonymous = await app.inject({ method: 'GET', url: '/v1/lead-scoring/rules' })
  t.equal(anonymous.statusCode, 401)
})

t.test('If-Match guards PUT against a concurrent change', async (t) => {
  const ws = await createWorkspace(app)
  assertProblem(t, await put(ws, RULES, { 'if-match': '"1"' }), 412, 'CRM_PRECONDITION_FAILED')
  const first = await put(ws, RULES, { 'if-match': '"0"' })
  t.equal(first.statusCode, 200, 'the defaults have ETag "0"')
  assertProblem(t, await put(ws, { ...RULES, fit: [] }, { 'if-match': '"0"' }), 412, 'CRM_PRECONDITION_FAILED')
  const second = await put(ws, { ...RULES, fit: [] }, { 'if-match': '"1"' })
  t.equal(second.json().rules.version, 2)
})

t.test('rules and scores belong to one workspace', async (t) => {
  const a = await createWorkspace(app)
  const b = await createWorkspace(app)
  await put(a, RULES)
  const read = await b.request({ method: 'GET', url: '/v1/lead-scoring/rules' })
  t.equal(read.json().version, 0, 'B still has the defaults')

  const lead = await createLead(a, { title: 'Head of IT' })
  const own = await a.request({ method: 'GET', url: `/v1/leads/${lead.id}/score` })
  t.equal(own.statusCode, 200)
  t.same(own.json(), {
    leadId: lead.id,
    score: null,
    scoredAt: null,
    rulesVersion: null,
    currentRulesVersion: 1,
    stale: true,
    breakdown: []
  }, 'not scored yet: stale')

  const other = await b.request({ method: 'GET', url: `/v1/leads/${lead.id}/score` })
  const problem = assertFullProblem(t, other, 404, 'CRM_LEAD_NOT_FOUND')
  t.equal(problem.detail, `No lead with id ${lead.id}`)

  await a.request({ method: 'DELETE', url: `/v1/leads/${lead.id}` })
  const gone = await a.request({ method: 'GET', url: `/v1/leads/${lead.id}/score` })
  assertProblem(t, gone, 404, 'CRM_LEAD_NOT_FOUND')
})

t.test('POST /v1/leads/rescore answers 202 with a job, and honours Idempotency-Key', async (t) => {
  const ws = await createWorkspace(app)
  const headers = { 'idempotency-key': 'rescore-1' }
  const res = await ws.request({ method: 'POST', url: '/v1/leads/rescore', headers })
  t.equal(res.statusCode, 202, res.body)
  const job = res.json()
  t.equal(res.headers.location, `/v1/jobs/${job.id}`)
  t.match(job, { type: 'leads.rescore', status: 'queued', progress: null })
  const replay = await ws.request({ method: 'POST', url: '/v1/leads/rescore', headers })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, job.id, 'the same job')
  const withBody = await ws.request({ method: 'POST', url: '/v1/leads/rescore', payload: {} })
  t.equal(withBody.statusCode, 202, 'an empty object body is fine')
  t.not(withBody.json().id, job.id)
  const extra = await ws.request({ method: 'POST', url: '/v1/leads/rescore', payload: { all: true } })
  const problem = assertFullProblem(t, extra, 400, 'CRM_VALIDATION_ERROR')
  t.same(problem.errors, [{ pointer: '', message: 'must be empty' }])
  const status = await ws.request({ method: 'GET', url: `/v1/jobs/${job.id}` })
  t.equal(status.json().type, 'leads.rescore')
})

t.test('lead and campaign member writes ask for the lead to be scored', async (t) => {
  const ws = await createWorkspace(app)
  const redis = app.deps.redis
  const queue = app.deps.queues.get('scoring')
  const pending = pendingKey(app.deps, ws.workspaceId)
  const scoreJobs = async () =>
    (await queue.getDelayed()).filter((j) => j.name === 'leads.score' && j.data.workspaceId === ws.workspaceId)

  const lead = await createLead(ws, { industry: 'Software' })
  t.same(await redis.smembers(pending), [lead.id], 'created: pending')
  t.equal((await scoreJobs()).length, 1, 'one delayed leads.score job for the workspace')

  await redis.del(pending)
  await ws.request({ method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { description: 'met at a fair' } })
  t.same(await redis.smembers(pending), [], 'a field no rule looks at: nothing asked')
  await ws.request({ method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { title: 'CTO' } })
  t.same(await redis.smembers(pending), [lead.id], 'the title changed: asked')

  await redis.del(pending)
  const campaign = await createCampaign(ws)
  const member = await addMember(ws, campaign.id, { leadId: lead.id })
  t.same(await redis.smembers(pending), [lead.id], 'a new membership: asked')
  await redis.del(pending)
  const opened = await ws.request({
    method: 'PATCH',
    url: `/v1/campaigns/${campaign.id}/members/${member.id}`,
    payload: { status: 'opened' }
  })
  t.equal(opened.statusCode, 200)
  t.same(await redis.smembers(pending), [lead.id], 'opened: asked')

  const many = await Promise.all([1, 2, 3].map(() => createLead(ws)))
  const all = await redis.smembers(pending)
  t.ok(many.every((l) => all.includes(l.id)), 'every lead of a burst is pending')
  t.equal((await scoreJobs()).length, 1, 'still one job for the workspace')

  const failed = await ws.request({ method: 'POST', url: '/v1/leads', payload: { firstName: 'x' } })
  t.equal(failed.statusCode, 400, 'a refused write asks for nothing and still answers')
})
