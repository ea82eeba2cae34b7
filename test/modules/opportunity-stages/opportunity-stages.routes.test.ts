import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { opportunityStages } from '../../../src/modules/opportunity-stages/opportunity-stages.table.js'
import { buildTestApp } from '../../helper.js'
import { walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres: every workspace is seeded with the default pipeline at sign-up.

const DEFAULTS = [
  { key: 'prospecting', label: 'Prospecting', position: 1, probability: 10, isClosed: false, isWon: false },
  { key: 'qualification', label: 'Qualification', position: 2, probability: 20, isClosed: false, isWon: false },
  { key: 'proposal', label: 'Proposal', position: 3, probability: 50, isClosed: false, isWon: false },
  { key: 'negotiation', label: 'Negotiation', position: 4, probability: 80, isClosed: false, isWon: false },
  { key: 'closed_won', label: 'Closed won', position: 5, probability: 100, isClosed: true, isWon: true },
  { key: 'closed_lost', label: 'Closed lost', position: 6, probability: 0, isClosed: true, isWon: false }
]

const FIELDS = [
  'id', 'key', 'label', 'position', 'probability', 'isClosed', 'isWon', 'createdAt', 'updatedAt', 'version'
]

t.test('opportunity stages', async (t) => {
  const app = await buildTestApp(t)

  t.test('lists the default pipeline in order, with its flags', async (t) => {
    const ws = await createWorkspace(app)
    const res = await ws.request({ method: 'GET', url: '/v1/opportunity-stages' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const { data } = res.json()
    t.same(Object.keys(res.json()), ['data', 'nextCursor'])
    t.equal(res.json().nextCursor, null, 'the whole pipeline comes in one answer')
    t.same(data.map((s: Record<string, unknown>) => ({
      key: s.key, label: s.label, position: s.position, probability: s.probability, isClosed: s.isClosed, isWon: s.isWon
    })), DEFAULTS)
    for (const stage of data) {
      t.same(Object.keys(stage), FIELDS)
      t.match(stage.id, /^[0-9a-f-]{36}$/)
      t.match(stage.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      t.equal(stage.version, 1)
    }
  })

  t.test('orders by position, whatever the order of insertion, and hides deleted stages', async (t) => {
    const ws = await createWorkspace(app)
    const db = app.deps.db
    await db.insert(opportunityStages).values({
      workspaceId: ws.workspaceId,
      key: 'discovery',
      label: 'Discovery',
      position: 0,
      probability: 5,
      isClosed: false,
      isWon: false
    })
    await db.update(opportunityStages).set({ deletedAt: new Date() })
      .where(and(eq(opportunityStages.workspaceId, ws.workspaceId), eq(opportunityStages.key, 'qualification')))
    const res = await ws.request({ method: 'GET', url: '/v1/opportunity-stages' })
    t.equal(res.statusCode, 200, res.body)
    t.same(res.json().data.map((s: { key: string }) => s.key),
      ['discovery', 'prospecting', 'proposal', 'negotiation', 'closed_won', 'closed_lost'])
  })

  t.test('never shows the stages of another workspace', async (t) => {
    const a = await createWorkspace(app)
    const b = await createWorkspace(app)
    await app.deps.db.insert(opportunityStages).values({
      workspaceId: b.workspaceId,
      key: 'b_only',
      label: 'B only',
      position: 7,
      probability: 30,
      isClosed: false,
      isWon: false
    })
    const listA = (await a.request({ method: 'GET', url: '/v1/opportunity-stages' })).json().data
    const listB = (await b.request({ method: 'GET', url: '/v1/opportunity-stages' })).json().data
    t.equal(listA.length, 6)
    t.equal(listB.length, 7)
    t.notOk(listA.some((s: { key: string }) => s.key === 'b_only'))
    const idsB = new Set(listB.map((s: { id: string }) => s.id))
    t.notOk(listA.some((s: { id: string }) => idsB.has(s.id)), 'no stage id is shared')
  })

  t.test('every role reads the stages; no credentials answers 401', async (t) => {
    const ws = await createWorkspace(app)
    const readonly = await createUser(app, ws, 'readonly')
    const res = await readonly.request({ method: 'GET', url: '/v1/opportunity-stages' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().data.length, 6)

    const anonymous = await app.inject({ method: 'GET', url: '/v1/opportunity-stages' })
    assertProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
  })

  t.test('refuses query parameters it does not know', async (t) => {
    const ws = await createWorkspace(app)
    for (const query of ['sort=key', 'q=pro', 'isClosed=true', 'limit=0', 'limit=201']) {
      const res = await ws.request({ method: 'GET', url: `/v1/opportunity-stages?${query}` })
      assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      t.equal(res.json().errors[0].pointer, query.split('=')[0], query)
    }
  })

  t.test('pages with limit and cursor, in pipeline order, each stage once', async (t) => {
    const ws = await createWorkspace(app)
    // Two stages on one position: the key orders them.
    await app.deps.db.insert(opportunityStages).values(['b_tie', 'a_tie'].map((key) => ({
      workspaceId: ws.workspaceId,
      key,
      label: key,
      position: 3,
      probability: 40,
      isClosed: false,
      isWon: false
    })))
    const expected = ['prospecting', 'qualification', 'a_tie', 'b_tie', 'proposal', 'negotiation',
      'closed_won', 'closed_lost']
    for (const limit of [1, 3, 8]) {
      const walked = await walkList(ws, '/v1/opportunity-stages', limit, { t, each: ['status', 'size'] })
      t.same(walked.items.map((s) => s.key), expected, `limit ${limit}`)
      t.equal(walked.pages, Math.ceil(expected.length / limit))
    }
    const bad = await ws.request({ method: 'GET', url: '/v1/opportunity-stages?cursor=nonsense' })
    assertProblem(t, bad, 400, 'CRM_BAD_REQUEST')
    t.equal(bad.json().errors[0].pointer, 'cursor')
  })
})
