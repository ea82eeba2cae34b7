import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createContact } from '../../fixtures/contacts.js'
import { conversionCounts, createLead } from '../../fixtures/leads.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// POST /v1/leads/convert against the real app, Postgres and Redis. The rules
// of each conversion are tested with the single route; here, that a batch
// gives each lead its own transaction and answer, in order.

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>

const batch = (ws: Caller, payload: unknown, headers: Record<string, string> = {}) =>
  ws.request({ method: 'POST', url: '/v1/leads/convert', payload: payload as object, headers })

const leadOf = async (ws: Caller, id: string) =>
  (await ws.request({ method: 'GET', url: `/v1/leads/${id}` })).json()

const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId']

t.test('converts each lead on its own and answers for each, in order', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const good = await createLead(ws, { company: 'Globex', email: 'grace@globex.example' })
  const unqualified = await createLead(ws, { status: 'unqualified', company: 'Initech' })
  const noOpportunity = await createLead(ws, { company: 'Hooli', email: null })
  const mismatched = await createLead(ws, { company: 'Acme', email: null })
  const badStage = await createLead(ws, { company: 'Umbrella', email: null })
  const foreign = await createLead(other, { company: 'Foreign' })
  const account = await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Elsewhere' }
  })
  const stranger = await createContact(ws, { accountId: account.json().id })
  const never = randomUUID()

  const res = await batch(ws, {
    conversions: [
      { leadId: good.id, contactRole: 'influencer' },
      { leadId: unqualified.id },
      { leadId: never },
      { leadId: noOpportunity.id, createOpportunity: false },
      { leadId: mismatched.id, contactId: stranger.id },
      { leadId: foreign.id },
      { leadId: badStage.id, opportunity: { stage: 'nope' } }
    ]
  })
  t.equal(res.statusCode, 200, res.body)
  const { results } = res.json()
  t.same(
    results.map((r: { leadId: string, status: number }) => [r.leadId, r.status]),
    [
      [good.id, 200], [unqualified.id, 409], [never, 404], [noOpportunity.id, 200],
      [mismatched.id, 422], [foreign.id, 404], [badStage.id, 422]
    ]
  )
  const codes = results.map((r: { error: { code: string } | null }) => r.error?.code ?? null)
  t.same(codes, [
    null, 'CRM_LEAD_UNQUALIFIED', 'CRM_LEAD_NOT_FOUND', null,
    'CRM_LEAD_CONVERSION_CONTACT_MISMATCH', 'CRM_LEAD_NOT_FOUND', 'CRM_OPPORTUNITY_STAGE_UNKNOWN'
  ])
  for (const r of results) {
    if (r.status === 200) {
      t.equal(r.error, null)
      t.match(r.conversion, { dryRun: false, lead: { id: r.leadId, status: 'converted' } })
    } else {
      t.equal(r.conversion, null)
      for (const f of PROBLEM_FIELDS) t.ok(f in r.error, `${r.error.code} has ${f}`)
      t.equal(r.error.status, r.status)
      t.equal(r.error.instance, '/v1/leads/convert')
    }
  }
  const pointers = (i: number) =>
    results[i].error.errors.map((e: { pointer: string }) => e.pointer)
  t.same(pointers(4), ['/conversions/4/contactId'])
  t.same(pointers(6), ['/conversions/6/opportunity/stage'])
  t.match(results[0].conversion, { opportunity: { action: 'created' } })
  t.equal(results[3].conversion.opportunity, null)

  for (const lead of [unqualified, mismatched, badStage]) {
    t.same(await leadOf(ws, lead.id), lead, 'a refused lead is unchanged')
  }
  t.same(await leadOf(other, foreign.id), foreign, 'the other workspace\'s lead is unchanged')
  t.match(await conversionCounts(app, ws.workspaceId), {
    accounts: 3, contacts: 3, opportunities: 1, contactRoles: 1, convertedLeads: 2
  }, 'only the two that converted made anything; the failed ones rolled back')

  const again = await batch(ws, { conversions: [{ leadId: good.id }] })
  t.equal(again.statusCode, 200)
  t.match(again.json().results, [{ status: 409, error: { code: 'CRM_LEAD_CONVERTED' } }])
})

t.test('a dry run plans every conversion and writes nothing', async (t) => {
  const ws = await createWorkspace(app)
  const a = await createLead(ws, { company: 'Globex' })
  const b = await createLead(ws, { company: 'Initech', email: null })
  const before = await conversionCounts(app, ws.workspaceId)

  const res = await batch(ws, {
    dryRun: true,
    conversions: [{ leadId: a.id }, { leadId: b.id, createOpportunity: false }]
  })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json().results, [
    {
      leadId: a.id,
      status: 200,
      conversion: {
        dryRun: true,
        lead: a,
        account: { id: null, action: 'created' },
        opportunity: { id: null }
      },
      error: null
    },
    { leadId: b.id, status: 200, conversion: { dryRun: true, opportunity: null } }
  ])
  t.same(await conversionCounts(app, ws.workspaceId), before)
  t.same(await leadOf(ws, a.id), a)
})

t.test('refuses a lead named twice, an empty batch and more than 100', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const other = await createLead(ws)

  const twice = await batch(ws, {
    conversions: [{ leadId: lead.id }, { leadId: other.id }, { leadId: lead.id.toUpperCase() }]
  })
  const problem = assertProblem(t, twice, 400, 'CRM_VALIDATION_ERROR')
  t.same(problem.errors, [{ pointer: '/conversions/2/leadId', message: 'repeats conversions/0' }])
  t.equal((await leadOf(ws, other.id)).status, 'open', 'none was converted')

  const empty = await batch(ws, { conversions: [] })
  assertProblem(t, empty, 400, 'CRM_VALIDATION_ERROR')
  const many = Array.from({ length: 101 }, () => ({ leadId: randomUUID() }))
  const tooMany = await batch(ws, { conversions: many })
  assertProblem(t, tooMany, 400, 'CRM_VALIDATION_ERROR')
  const unknown = await batch(ws, { conversions: [{ leadId: lead.id, dryRun: true }] })
  const refused = assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
  t.equal(refused.errors[0].pointer, '/conversions/0/dryRun', 'dryRun is the batch\'s')

  const hundred = Array.from({ length: 100 }, () => ({ leadId: randomUUID() }))
  const full = await batch(ws, { conversions: hundred })
  t.equal(full.statusCode, 200)
  t.equal(full.json().results.length, 100)
})

t.test('Idempotency-Key replays a batch without converting twice', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const body = { conversions: [{ leadId: lead.id }, { leadId: randomUUID() }] }
  const key = { 'idempotency-key': `batch-${randomUUID()}` }

  const first = await batch(ws, body, key)
  t.equal(first.statusCode, 200, first.body)
  const counts = await conversionCounts(app, ws.workspaceId)
  const replay = await batch(ws, body, key)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.body, first.body)
  t.same(await conversionCounts(app, ws.workspaceId), counts)
})
