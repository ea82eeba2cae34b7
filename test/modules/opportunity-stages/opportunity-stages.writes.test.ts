import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { opportunityStages } from '../../../src/modules/opportunity-stages/opportunity-stages.table.js'
import { buildTestApp } from '../../helper.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem, assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis: stages are written through the API and checked
// through it, and opportunities through their own routes.

type Caller = Pick<TestWorkspace, 'request'>
type Stage = {
  id: string
  key: string
  label: string
  position: number
  probability: number
  isClosed: boolean
  isWon: boolean
  version: number
}
type Headers = Record<string, string>

const URL = '/v1/opportunity-stages'
const post = (who: Caller, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'POST', url: URL, payload, headers })
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const patch = (who: Caller, id: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'PATCH', url: `${URL}/${id}`, payload, headers })
const del = (who: Caller, id: string, headers: Headers = {}) =>
  who.request({ method: 'DELETE', url: `${URL}/${id}`, headers })

async function stages (who: Caller): Promise<Stage[]> {
  const res = await get(who, URL)
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().data
}

async function stageByKey (who: Caller, key: string): Promise<Stage> {
  const found = (await stages(who)).find((s) => s.key === key)
  if (found === undefined) throw new Error(`no stage ${key}`)
  return found
}

async function opportunity (who: Caller, id: string) {
  const res = await get(who, `/v1/opportunities/${id}`)
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json()
}

const newStage = (overrides: Record<string, unknown> = {}) =>
  ({ key: `s_${randomUUID().slice(0, 8)}`, label: 'Discovery', probability: 15, ...overrides })

/** Closes every open stage but `keep`, so the workspace has exactly one open stage. */
async function leaveOnlyOpen (ws: TestWorkspace, keep: string) {
  for (const s of await stages(ws)) {
    if (s.isClosed || s.key === keep) continue
    const res = await patch(ws, s.id, { isClosed: true })
    if (res.statusCode !== 200) throw new Error(res.body)
  }
}

t.test('opportunity stage writes', async (t) => {
  const app: FastifyInstance = await buildTestApp(t)

  t.test('create: 201 with Location and ETag, defaults, then listed and readable', async (t) => {
    const ws = await createWorkspace(app)
    const res = await post(ws, { key: 'discovery', label: 'Discovery', probability: 15 })
    t.equal(res.statusCode, 201, res.body)
    const stage = res.json()
    t.equal(res.headers.location, `${URL}/${stage.id}`)
    t.equal(res.headers.etag, '"1"')
    t.match(stage, {
      key: 'discovery',
      label: 'Discovery',
      probability: 15,
      position: 7,
      isClosed: false,
      isWon: false,
      version: 1
    })

    const one = await get(ws, `${URL}/${stage.id}`)
    t.equal(one.statusCode, 200, one.body)
    t.equal(one.headers.etag, '"1"')
    t.same(one.json(), stage)
    t.same((await stages(ws)).map((s) => s.key).slice(-1), ['discovery'], 'after the last stage')

    const placed = await post(ws, { key: 'first', label: 'First', probability: 5, position: 0 })
    t.equal(placed.statusCode, 201, placed.body)
    t.equal((await stages(ws))[0]?.key, 'first', 'position places it')

    const won = await post(ws, {
      key: 'won_big', label: 'Won big', probability: 100, isClosed: true, isWon: true
    })
    t.equal(won.statusCode, 201, won.body)
    t.match(won.json(), { isClosed: true, isWon: true })
  })

  t.test('create: the body is validated; the key is lower snake_case', async (t) => {
    const ws = await createWorkspace(app)
    const cases: [Record<string, unknown>, string][] = [
      [{ key: 'Proposal2', label: 'x', probability: 1 }, '/key'],
      [{ key: '2nd', label: 'x', probability: 1 }, '/key'],
      [{ key: 'a__b', label: 'x', probability: 1 }, '/key'],
      [{ key: 'with space', label: 'x', probability: 1 }, '/key'],
      [{ key: 'ok', probability: 1 }, '/label'],
      [{ key: 'ok', label: 'x' }, '/probability'],
      [{ key: 'ok', label: 'x', probability: 101 }, '/probability'],
      [{ key: 'ok', label: 'x', probability: 1, position: -1 }, '/position'],
      [{ key: 'ok', label: 'x', probability: 1, id: randomUUID() }, '/id'],
      [{ key: 'ok', label: 'x', probability: 1, isClosed: 'yes' }, '/isClosed']
    ]
    for (const [body, pointer] of cases) {
      const res = await post(ws, body)
      const problem = assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      t.equal(problem.errors[0].pointer, pointer, JSON.stringify(body))
    }
    t.equal((await stages(ws)).length, 6, 'nothing was created')
  })

  t.test('create: Idempotency-Key replays the first answer', async (t) => {
    const ws = await createWorkspace(app)
    const key = randomUUID()
    const body = newStage()
    const first = await post(ws, body, { 'idempotency-key': key })
    t.equal(first.statusCode, 201, first.body)
    const again = await post(ws, body, { 'idempotency-key': key })
    t.equal(again.statusCode, 201, again.body)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.same(again.json(), first.json())
    t.equal((await stages(ws)).length, 7, 'created once')
  })

  t.test('keys are unique per workspace, also under concurrent creates', async (t) => {
    const ws = await createWorkspace(app)
    const taken = await post(ws, { key: 'proposal', label: 'Another proposal', probability: 40 })
    const problem = assertFullProblem(t, taken, 409, 'CRM_OPPORTUNITY_STAGE_KEY_TAKEN')
    t.same(problem.errors, [
      { pointer: '/key', message: 'another stage of this workspace already has this key' }
    ])

    const body = newStage()
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(ws, body)))
    const statuses = answers.map((r) => r.statusCode).sort()
    t.same(statuses, [201, 409, 409, 409, 409, 409], answers.map((r) => r.body).join('\n'))
    for (const r of answers.filter((a) => a.statusCode === 409)) {
      t.equal(r.json().code, 'CRM_OPPORTUNITY_STAGE_KEY_TAKEN')
    }
    t.equal((await stages(ws)).filter((s) => s.key === body.key).length, 1)

    const other = await createWorkspace(app)
    const same = await post(other, { ...body })
    t.equal(same.statusCode, 201, 'another workspace may use the key')
  })

  t.test('update: merges, bumps the version, honours If-Match, reorders', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    const res = await patch(ws, proposal.id, { label: 'Proposal sent', probability: 60, position: 0 })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { key: 'proposal', label: 'Proposal sent', probability: 60, position: 0, version: 2 })
    t.equal((await stages(ws))[0]?.key, 'proposal', 'the list follows the new position')

    const stale = await patch(ws, proposal.id, { label: 'Stale' }, { 'if-match': '"1"' })
    assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')
    const fresh = await patch(ws, proposal.id, { label: 'Fresh' }, { 'if-match': '"2"' })
    t.equal(fresh.statusCode, 200, fresh.body)
    t.equal(fresh.json().label, 'Fresh')

    const nothing = await patch(ws, proposal.id, {})
    t.equal(nothing.statusCode, 200, nothing.body)
    t.equal(nothing.json().version, 3, 'an empty patch changes nothing')

    for (const [body, pointer] of [
      [{ label: null }, '/label'],
      [{ probability: -1 }, '/probability'],
      [{ createdAt: '2026-01-01T00:00:00.000Z' }, '/createdAt']
    ] as const) {
      const bad = await patch(ws, proposal.id, body)
      const problem = assertProblem(t, bad, 400, 'CRM_VALIDATION_ERROR')
      t.equal(problem.errors[0].pointer, pointer)
    }
  })

  t.test('update: the key never changes', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    for (const key of ['offer', 'proposal']) {
      const res = await patch(ws, proposal.id, { key })
      const problem = assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
      t.same(problem.errors, [{ pointer: '/key', message: 'is not a known property' }])
    }
    t.match(await stageByKey(ws, 'proposal'), { id: proposal.id, version: 1 })
  })

  t.test('isWon needs isClosed, on create and on the stage as it will be', async (t) => {
    const ws = await createWorkspace(app)
    const created = await post(ws, newStage({ isWon: true }))
    const problem = assertFullProblem(t, created, 422, 'CRM_OPPORTUNITY_STAGE_WON_NOT_CLOSED')
    t.equal(problem.errors[0].pointer, '/isWon')
    const explicit = await post(ws, newStage({ isWon: true, isClosed: false }))
    assertProblem(t, explicit, 422, 'CRM_OPPORTUNITY_STAGE_WON_NOT_CLOSED')

    const won = await stageByKey(ws, 'closed_won')
    const reopened = await patch(ws, won.id, { isClosed: false })
    const onClosed = assertProblem(t, reopened, 422, 'CRM_OPPORTUNITY_STAGE_WON_NOT_CLOSED')
    t.equal(onClosed.errors[0].pointer, '/isClosed')
    const proposal = await stageByKey(ws, 'proposal')
    const onWon = assertProblem(t, await patch(ws, proposal.id, { isWon: true }), 422,
      'CRM_OPPORTUNITY_STAGE_WON_NOT_CLOSED')
    t.equal(onWon.errors[0].pointer, '/isWon')

    const both = await patch(ws, won.id, { isClosed: false, isWon: false })
    t.equal(both.statusCode, 200, 'both at once is fine')
    const closedWon = await patch(ws, proposal.id, { isClosed: true, isWon: true })
    t.equal(closedWon.statusCode, 200, closedWon.body)
    t.equal((await stages(ws)).length, 6, 'nothing was created')
  })

  t.test('the pipeline keeps an open stage: closing or deleting the last one is 409', async (t) => {
    const ws = await createWorkspace(app)
    await leaveOnlyOpen(ws, 'negotiation')
    const last = await stageByKey(ws, 'negotiation')
    const closing = await patch(ws, last.id, { isClosed: true })
    const problem = assertFullProblem(t, closing, 409, 'CRM_OPPORTUNITY_STAGE_LAST_OPEN')
    t.equal(problem.errors[0].pointer, '/isClosed')
    assertFullProblem(t, await del(ws, last.id), 409, 'CRM_OPPORTUNITY_STAGE_LAST_OPEN')
    t.match(await stageByKey(ws, 'negotiation'), { isClosed: false, version: 1 })

    const relabel = await patch(ws, last.id, { label: 'Still open', isClosed: false })
    t.equal(relabel.statusCode, 200, 'other changes of the last open stage are fine')
    const closed = await stageByKey(ws, 'closed_lost')
    t.equal((await del(ws, closed.id)).statusCode, 204, 'a closed stage may go')

    const another = await post(ws, newStage())
    t.equal(another.statusCode, 201)
    const closes = await patch(ws, last.id, { isClosed: true })
    t.equal(closes.statusCode, 200, 'with a second open stage it may close')
  })

  t.test('the last open stage survives concurrent closes and deletes', async (t) => {
    for (const attempt of ['close', 'delete'] as const) {
      const ws = await createWorkspace(app)
      await leaveOnlyOpen(ws, 'proposal')
      const extra = (await post(ws, newStage())).json() as Stage
      const proposal = await stageByKey(ws, 'proposal')
      const answers = await Promise.all([proposal, extra].map((s) =>
        attempt === 'close' ? patch(ws, s.id, { isClosed: true }) : del(ws, s.id)))
      const ok = attempt === 'close' ? 200 : 204
      t.same(answers.map((r) => r.statusCode).sort(), [ok, 409], answers.map((r) => r.body).join('\n'))
      const open = (await stages(ws)).filter((s) => !s.isClosed)
      t.equal(open.length, 1, `${attempt}: one open stage is left`)
    }
  })

  t.test('a stage live opportunities are in cannot be deleted', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    const first = await createOpportunity(ws, { stage: 'proposal' })
    const second = await createOpportunity(ws, { stage: 'proposal' })
    await createOpportunity(ws, { stage: 'negotiation' })

    const refused = await del(ws, proposal.id)
    const problem = assertFullProblem(t, refused, 409, 'CRM_OPPORTUNITY_STAGE_IN_USE')
    t.match(problem.detail, /stage proposal is the stage of 2 live opportunities/)

    t.equal((await ws.request({ method: 'DELETE', url: `/v1/opportunities/${first.id}` })).statusCode, 204)
    const once = await del(ws, proposal.id)
    t.match(assertProblem(t, once, 409, 'CRM_OPPORTUNITY_STAGE_IN_USE').detail, /of 1 live/)
    const moved = await ws.request({
      method: 'PATCH', url: `/v1/opportunities/${second.id}`, payload: { stage: 'qualification' }
    })
    t.equal(moved.statusCode, 200, moved.body)

    const done = await del(ws, proposal.id)
    t.equal(done.statusCode, 204, done.body)
    assertProblem(t, await get(ws, `${URL}/${proposal.id}`), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    assertProblem(t, await del(ws, proposal.id), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    assertProblem(t, await patch(ws, proposal.id, { label: 'x' }), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    t.notOk((await stages(ws)).some((s) => s.key === 'proposal'), 'no longer listed')
    const entering = await ws.request({
      method: 'PATCH', url: `/v1/opportunities/${second.id}`, payload: { stage: 'proposal' }
    })
    assertProblem(t, entering, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN')
  })

  t.test('a stage that is being deleted takes no new opportunity', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    const accountId = (await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Acme' } }))
      .json().id
    const answers = await Promise.all([
      del(ws, proposal.id),
      ...Array.from({ length: 4 }, () => ws.request({
        method: 'POST', url: '/v1/opportunities', payload: { name: 'Race', accountId, stage: 'proposal' }
      }))
    ])
    const [deleted, ...creates] = answers as [typeof answers[0], ...typeof answers]
    const made = creates.filter((r) => r.statusCode === 201).length
    if (deleted.statusCode === 204) {
      t.equal(made, 0, 'no opportunity landed in the deleted stage')
    } else {
      t.equal(deleted.statusCode, 409, deleted.body)
      t.ok(made > 0)
    }
    const live = await ws.request({ method: 'GET', url: '/v1/opportunities?stage=proposal' })
    const stillListed = (await stages(ws)).some((s) => s.key === 'proposal')
    t.equal(live.json().data.length > 0, stillListed, 'live opportunities only in live stages')
  })

  t.test('a key of a deleted stage revives that stage with the new values', async (t) => {
    const ws = await createWorkspace(app)
    const negotiation = await stageByKey(ws, 'negotiation')
    // An opportunity deleted in the stage still names its key.
    const gone = await createOpportunity(ws, { stage: 'negotiation' })
    t.equal((await ws.request({ method: 'DELETE', url: `/v1/opportunities/${gone.id}` })).statusCode, 204)
    t.equal((await del(ws, negotiation.id)).statusCode, 204)

    const res = await post(ws, {
      key: 'negotiation', label: 'Negotiating', probability: 70, position: 9, isClosed: true
    })
    t.equal(res.statusCode, 201, res.body)
    const revived = res.json()
    t.equal(revived.id, negotiation.id, 'the same stage')
    t.equal(res.headers.location, `${URL}/${negotiation.id}`)
    t.ok(revived.version > negotiation.version + 1, 'the version counts on, so old ETags stay stale')
    t.equal(res.headers.etag, `"${revived.version}"`)
    t.match(revived, {
      key: 'negotiation', label: 'Negotiating', probability: 70, position: 9, isClosed: true, isWon: false
    })
    t.same((await stages(ws)).map((s) => s.key).slice(-1), ['negotiation'])
    t.same((await get(ws, `${URL}/${negotiation.id}`)).json(), revived)

    const entering = await createOpportunity(ws, { stage: 'negotiation', lossReason: 'Price' })
    t.match(entering, { stage: 'negotiation', isClosed: true, isWon: false, probability: 70 })
    assertProblem(t, await post(ws, { key: 'negotiation', label: 'Again', probability: 1 }), 409,
      'CRM_OPPORTUNITY_STAGE_KEY_TAKEN')
  })

  t.test('a change of the flags is copied to the live opportunities of the stage', async (t) => {
    const ws = await createWorkspace(app)
    const negotiation = await stageByKey(ws, 'negotiation')
    const inStage = [
      await createOpportunity(ws, { stage: 'negotiation', lossReason: 'Budget' }),
      await createOpportunity(ws, { stage: 'negotiation', probability: 65 })
    ]
    const elsewhere = await createOpportunity(ws, { stage: 'proposal' })
    const other = await createWorkspace(app)
    const foreign = await createOpportunity(other, { stage: 'negotiation' })

    const won = await patch(ws, negotiation.id, { isClosed: true, isWon: true })
    t.equal(won.statusCode, 200, won.body)
    for (const o of inStage) {
      const now = await opportunity(ws, o.id)
      t.match(now, { isClosed: true, isWon: true, version: o.version + 1, stage: 'negotiation' })
      t.equal(now.probability, o.probability, 'probability stays')
      t.equal(now.closeDate, o.closeDate, 'close date stays')
    }
    const filtered = await ws.request({ method: 'GET', url: '/v1/opportunities?isWon=true' })
    t.same(filtered.json().data.map((o: { id: string }) => o.id).sort(), inStage.map((o) => o.id).sort())
    t.match(await opportunity(ws, elsewhere.id), { isClosed: false, isWon: false, version: 1 })
    t.match(await opportunity(other, foreign.id), { isClosed: false, isWon: false, version: 1 })

    const lost = await patch(ws, negotiation.id, { isWon: false })
    t.equal(lost.statusCode, 200, lost.body)
    for (const o of inStage) {
      t.match(await opportunity(ws, o.id), { isClosed: true, isWon: false, version: o.version + 2 })
    }
    const stale = await ws.request({
      method: 'PATCH',
      url: `/v1/opportunities/${inStage[1]?.id}`,
      payload: { name: 'x' },
      headers: { 'if-match': `"${inStage[1]?.version}"` }
    })
    assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')

    const relabel = await patch(ws, negotiation.id, { label: 'Deal desk' })
    t.equal(relabel.statusCode, 200)
    t.match(await opportunity(ws, inStage[0]?.id), { version: (inStage[0]?.version ?? 0) + 2 },
      'a change that leaves the flags alone does not touch the opportunities')
  })

  t.test('a change of probability leaves the opportunities already in the stage alone', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    const before = await createOpportunity(ws, { stage: 'proposal' })
    t.equal(before.probability, 50)
    t.equal((await patch(ws, proposal.id, { probability: 55 })).statusCode, 200)
    t.match(await opportunity(ws, before.id), { probability: 50, version: 1 })
    const after = await createOpportunity(ws, { stage: 'proposal' })
    t.equal(after.probability, 55, 'a new one takes the new default')
  })

  t.test('concurrent opportunity writes never keep the flags of before a stage change', async (t) => {
    const ws = await createWorkspace(app)
    const negotiation = await stageByKey(ws, 'negotiation')
    const accountId = (await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Acme' } }))
      .json().id
    const moving = await createOpportunity(ws, { accountId, stage: 'proposal' })
    const answers = await Promise.all([
      patch(ws, negotiation.id, { isClosed: true, isWon: true }),
      ws.request({
        method: 'PATCH', url: `/v1/opportunities/${moving.id}`, payload: { stage: 'negotiation' }
      }),
      ...Array.from({ length: 4 }, () => ws.request({
        method: 'POST', url: '/v1/opportunities', payload: { name: 'Race', accountId, stage: 'negotiation' }
      }))
    ])
    t.same(
      answers.map((r) => r.statusCode),
      [200, 200, 201, 201, 201, 201],
      answers.map((r) => r.body).join('\n')
    )
    const inStage = await ws.request({ method: 'GET', url: '/v1/opportunities?stage=negotiation' })
    const data = inStage.json().data as { isClosed: boolean, isWon: boolean }[]
    t.equal(data.length, 5)
    t.ok(data.every((o) => o.isClosed && o.isWon), 'every one has the new flags')
  })

  t.test('a workspace holds at most 200 stages', async (t) => {
    const ws = await createWorkspace(app)
    await app.deps.db.insert(opportunityStages).values(Array.from({ length: 194 }, (_, i) => ({
      workspaceId: ws.workspaceId, key: `bulk_${i}`, label: `Bulk ${i}`, position: 10 + i, probability: 30,
      isClosed: false, isWon: false
    })))
    const res = await post(ws, newStage())
    assertFullProblem(t, res, 409, 'CRM_OPPORTUNITY_STAGE_LIMIT_REACHED')
    const all = await get(ws, URL)
    t.equal(all.json().data.length, 200)
    t.equal(all.json().nextCursor, null, 'the whole pipeline is one answer')
    const bulk0 = await stageByKey(ws, 'bulk_0')
    t.equal((await del(ws, bulk0.id)).statusCode, 204)
    t.equal((await post(ws, newStage())).statusCode, 201, 'room again after a delete')
  })

  t.test('property: any sequence of writes keeps the rules, as a model predicts', async (t) => {
    interface ModelStage {
      key: string
      id: string
      position: number
      isClosed: boolean
      isWon: boolean
      live: boolean
    }
    const flags = fc.record({ isClosed: fc.boolean(), isWon: fc.boolean() })
    const command = fc.oneof(
      fc.record({ kind: fc.constant('flags' as const), pick: fc.nat(), flags }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('create' as const),
        key: fc.constantFrom('alpha', 'beta', 'proposal', 'closed_won'),
        flags
      })
    )
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (commands) => {
      const ws = await createWorkspace(app)
      const model: ModelStage[] = (await stages(ws)).map(({ key, id, position, isClosed, isWon }) =>
        ({ key, id, position, isClosed, isWon, live: true }))
      const live = () => model.filter((s) => s.live)
      const otherOpen = (s: ModelStage) => live().some((o) => o !== s && !o.isClosed)
      for (const c of commands) {
        if (c.kind === 'flags' || c.kind === 'delete') {
          const stage = live()[c.pick % live().length] as ModelStage
          if (c.kind === 'flags') {
            const res = await patch(ws, stage.id, c.flags)
            const expected = c.flags.isWon && !c.flags.isClosed
              ? 422
              : !stage.isClosed && c.flags.isClosed && !otherOpen(stage) ? 409 : 200
            if (res.statusCode !== expected) throw new Error(`${JSON.stringify(c)}: ${res.body}`)
            if (expected === 200) Object.assign(stage, c.flags)
          } else {
            const res = await del(ws, stage.id)
            const expected = !stage.isClosed && !otherOpen(stage) ? 409 : 204
            if (res.statusCode !== expected) throw new Error(`${JSON.stringify(c)}: ${res.body}`)
            if (expected === 204) stage.live = false
          }
          continue
        }
        const res = await post(ws, { key: c.key, label: c.key, probability: 30, ...c.flags })
        const existing = model.find((s) => s.key === c.key)
        const expected = c.flags.isWon && !c.flags.isClosed ? 422 : existing?.live === true ? 409 : 201
        if (res.statusCode !== expected) throw new Error(`${JSON.stringify(c)}: ${res.body}`)
        if (expected !== 201) continue
        const position = Math.max(...live().map((s) => s.position)) + 1
        const made = { key: c.key, id: res.json().id, position, ...c.flags, live: true }
        if (existing !== undefined && existing.id !== made.id) throw new Error('a revive made a new stage')
        if (existing === undefined) model.push(made)
        else Object.assign(existing, made)
      }
      const order = (a: ModelStage, b: ModelStage) => a.position - b.position || (a.key < b.key ? -1 : 1)
      const want = live().sort(order).map(({ live: _, ...s }) => s)
      const got = (await stages(ws)).map(({ key, id, position, isClosed, isWon }) =>
        ({ key, id, position, isClosed, isWon }))
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new Error(`pipeline ${JSON.stringify(got)} is not ${JSON.stringify(want)}`)
      }
      if (!got.some((s) => !s.isClosed)) throw new Error('no open stage left')
    }), { numRuns: 20, seed: 20261203 })
    t.pass('the API matched the model')
  })

  t.test('roles: only admins write stages; every role reads them', async (t) => {
    const ws = await createWorkspace(app)
    const proposal = await stageByKey(ws, 'proposal')
    for (const role of ['manager', 'sales', 'marketing', 'support', 'readonly']) {
      const user = await createUser(app, ws, role)
      assertProblem(t, await post(user, newStage()), 403, 'CRM_FORBIDDEN')
      assertProblem(t, await patch(user, proposal.id, { label: 'x' }), 403, 'CRM_FORBIDDEN')
      assertProblem(t, await del(user, proposal.id), 403, 'CRM_FORBIDDEN')
      const read = await get(user, `${URL}/${proposal.id}`)
      t.equal(read.statusCode, 200, `${role} reads`)
    }
    t.match(await stageByKey(ws, 'proposal'), { label: 'Proposal', version: 1 })
    t.equal((await stages(ws)).length, 6)
    const anonymous = await app.inject({ method: 'POST', url: URL, payload: newStage() })
    assertProblem(t, anonymous, 401, 'CRM_UNAUTHORIZED')
  })

  t.test('another workspace\'s stage is not found and never changed', async (t) => {
    const a = await createWorkspace(app)
    const b = await createWorkspace(app)
    const theirs = await stageByKey(b, 'proposal')
    const url = `${URL}/${theirs.id}`
    assertFullProblem(t, await get(a, url), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    assertFullProblem(t, await patch(a, theirs.id, { label: 'Mine', isClosed: true }), 404,
      'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    assertFullProblem(t, await del(a, theirs.id), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    assertProblem(t, await get(a, `${URL}/${randomUUID()}`), 404, 'CRM_OPPORTUNITY_STAGE_NOT_FOUND')
    const [row] = await app.deps.db.select().from(opportunityStages)
      .where(eq(opportunityStages.id, theirs.id))
    t.match(row, { label: 'Proposal', isClosed: false, version: 1, deletedAt: null })
    t.notOk((await stages(a)).some((s) => s.id === theirs.id))

    const bad = await get(a, `${URL}/not-a-uuid`)
    assertProblem(t, bad, 400, 'CRM_VALIDATION_ERROR')
  })
})
