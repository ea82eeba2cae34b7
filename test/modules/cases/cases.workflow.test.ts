import fc from 'fast-check'
import t from 'tap'
import { type CaseJson, createCase } from '../../fixtures/cases.js'
import { listIds } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The status workflow of cases through the real app and database. The rules
// are restated here on their own (not imported), so a change to the code
// that breaks them fails these tests.

const app = await buildTestApp(t)

const OPEN = ['new', 'assigned', 'in_progress', 'pending_customer', 'escalated']
const CLOSED = ['resolved', 'closed', 'rejected', 'duplicate']
const ALL = [...OPEN, ...CLOSED]
const isOpen = (s: string) => OPEN.includes(s)

/** The moves DOMAIN.md and issue #3 allow, independently of the code. */
function allowed (from: string, to: string): boolean {
  if (from === to || isOpen(from)) return true
  if (from === 'resolved') return to === 'closed' || isOpen(to)
  return isOpen(to)
}

const allowedFrom = (from: string) => ALL.filter((to) => to !== from && allowed(from, to))

type Caller = Pick<TestWorkspace, 'request'>
const patch = (ws: Caller, id: string, payload: Record<string, unknown>) =>
  ws.request({ method: 'PATCH', url: `/v1/cases/${id}`, payload })
const read = async (ws: Caller, id: string): Promise<CaseJson> =>
  (await ws.request({ method: 'GET', url: `/v1/cases/${id}` })).json()

/** A case in `status`, reached from new (which may move anywhere); it has a resolution. */
async function caseIn (ws: Caller, status: string): Promise<CaseJson> {
  const kase = await createCase(ws, { resolution: 'Raised the export timeout' })
  if (status === 'new') return kase
  const res = await patch(ws, kase.id, { status })
  if (res.statusCode !== 200) throw new Error(`could not reach ${status}: ${res.body}`)
  return res.json()
}

t.test('allows exactly the moves of the workflow and refuses every other with a 409', async (t) => {
  const ws = await createWorkspace(app)

  for (const from of ALL) {
    for (const to of ALL) {
      if (to === from) continue
      const kase = await caseIn(ws, from)
      const res = await patch(ws, kase.id, { status: to })
      if (allowed(from, to)) {
        t.equal(res.statusCode, 200, `${from} → ${to} is allowed: ${res.body}`)
        t.equal(res.json().status, to)
        t.equal(res.json().isClosed, !isOpen(to))
        continue
      }
      const problem = assertProblem(t, res, 409, 'CRM_CASE_TRANSITION_NOT_ALLOWED')
      const detail = `a case cannot move from ${from} to ${to}; ` +
        `from ${from} it may move to ${allowedFrom(from).join(', ')}`
      t.equal(problem.detail, detail, `${from} → ${to} is refused`)
      t.same(problem.errors, [{ pointer: '/status', message: detail }])
      t.same(await read(ws, kase.id), kase, 'nothing changed')
    }
  }
})

t.test('treats the current status as no move, even for a closed case', async (t) => {
  const ws = await createWorkspace(app)
  for (const status of ALL) {
    const kase = await caseIn(ws, status)
    const res = await patch(ws, kase.id, { status })
    t.equal(res.statusCode, 200, `${status} again: ${res.body}`)
    t.equal(res.json().version, kase.version, 'nothing written')
  }
  const closed = await caseIn(ws, 'closed')
  const renamed = await patch(ws, closed.id, { status: 'closed', subject: 'Renamed while closed' })
  t.equal(renamed.statusCode, 200, 'other fields of a closed case still change')
  t.equal(renamed.json().closedAt, closed.closedAt)
  t.equal(renamed.json().reopenCount, 0)
})

t.test('opens a case only in an open status', async (t) => {
  const ws = await createWorkspace(app)

  for (const status of CLOSED) {
    const res = await ws.request({
      method: 'POST', url: '/v1/cases', payload: { subject: 'x', status, resolution: 'Done' }
    })
    const problem = assertProblem(t, res, 422, 'CRM_CASE_INITIAL_STATUS_CLOSED')
    t.equal(problem.errors[0].pointer, '/status')
    t.match(problem.detail, `then move it to ${status}`)
  }
  t.same(await listIds(ws, '/v1/cases'), [], 'nothing was created')

  for (const [i, status] of OPEN.entries()) {
    const kase = await createCase(ws, { status })
    t.equal(kase.status, status)
    t.equal(kase.number, i + 1, 'the refused creates used no number')
    t.equal(kase.escalatedAt, status === 'escalated' ? kase.createdAt : null)
  }
})

t.test('counts each reopening and stamps reopenedAt and the latest escalation', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  // The time of the last move: stamped by the request, so between its start and its updatedAt.
  let started = 0
  const move = async (payload: Record<string, unknown>) => {
    started = Date.now()
    const res = await patch(ws, kase.id, payload)
    t.equal(res.statusCode, 200, res.body)
    return res.json() as CaseJson
  }
  const stampedByLastMove = (value: string | null, updatedAt: string, message: string) => {
    const time = Date.parse(value ?? '')
    t.ok(time >= started && time <= Date.parse(updatedAt), message)
  }

  const escalated = await move({ status: 'escalated' })
  t.ok(escalated.escalatedAt)
  stampedByLastMove(escalated.escalatedAt, escalated.updatedAt, 'escalatedAt is the move\'s time')
  t.match(escalated, { reopenCount: 0, reopenedAt: null })

  const working = await move({ status: 'in_progress' })
  t.equal(working.escalatedAt, escalated.escalatedAt, 'leaving escalated keeps the time')
  await move({ status: 'assigned' })
  t.equal((await read(ws, kase.id)).reopenCount, 0, 'moves between open statuses are no reopening')

  await move({ status: 'resolved', resolution: 'Replaced the sensor' })
  const closed = await move({ status: 'closed' })
  t.equal(closed.reopenCount, 0, 'resolved then closed is no reopening')

  const first = await move({ status: 'in_progress' })
  t.match(first, { reopenCount: 1, resolvedAt: null, closedAt: null, isClosed: false })
  stampedByLastMove(first.reopenedAt, first.updatedAt, 'reopenedAt is the move\'s time')
  t.equal(first.escalatedAt, escalated.escalatedAt)
  t.equal(first.resolution, 'Replaced the sensor', 'the resolution stays as a note')

  await move({ status: 'rejected' })
  const second = await move({ status: 'escalated' })
  t.equal(second.reopenCount, 2)
  stampedByLastMove(second.reopenedAt, second.updatedAt, 'reopenedAt is the latest reopening')
  stampedByLastMove(second.escalatedAt, second.updatedAt, 'escalatedAt is the latest escalation')
  t.ok(Date.parse(second.reopenedAt as string) > Date.parse(first.reopenedAt as string))

  await move({ status: 'duplicate' })
  const third = await move({ status: 'new' })
  t.equal(third.reopenCount, 3)
  t.equal(third.escalatedAt, second.escalatedAt)

  const closedAgain = await patch(ws, kase.id, { status: 'closed' })
  t.equal(closedAgain.statusCode, 200, 'an open case may close directly')
  const notAgain = await patch(ws, kase.id, { status: 'resolved', resolution: 'x' })
  assertProblem(t, notAgain, 409, 'CRM_CASE_TRANSITION_NOT_ALLOWED')
  t.equal((await read(ws, kase.id)).reopenCount, 3, 'a refused move counts nothing')
})

t.test('follows a model of the workflow over any sequence of status changes', async (t) => {
  const ws = await createWorkspace(app)

  const sequences = fc.array(fc.constantFrom(...ALL), { minLength: 1, maxLength: 8 })
  await fc.assert(
    fc.asyncProperty(sequences, async (moves) => {
      const kase = await createCase(ws, { resolution: 'Answered by phone' })
      const model = {
        status: 'new', reopenCount: 0, escalated: false, resolved: false, closed: false
      }
      for (const to of moves) {
        const res = await patch(ws, kase.id, { status: to })
        if (!allowed(model.status, to)) {
          if (res.statusCode !== 409) throw new Error(`${model.status} → ${to}: ${res.body}`)
          continue
        }
        if (res.statusCode !== 200) throw new Error(`${model.status} → ${to}: ${res.body}`)
        if (to !== model.status) {
          if (!isOpen(model.status) && isOpen(to)) {
            model.reopenCount++
            model.resolved = false
            model.closed = false
          }
          if (to === 'escalated') model.escalated = true
          if (to === 'resolved') model.resolved = true
          if (!isOpen(to)) model.closed = true
          model.status = to
        }
      }
      const got = await read(ws, kase.id)
      const seen = {
        status: got.status,
        reopenCount: got.reopenCount,
        escalated: got.escalatedAt !== null,
        resolved: got.resolvedAt !== null,
        closed: got.closedAt !== null
      }
      if (JSON.stringify(seen) !== JSON.stringify(model)) {
        throw new Error(`after ${moves.join(' → ')}: ${JSON.stringify(seen)} ≠ ${JSON.stringify(model)}`)
      }
      if (got.isClosed === isOpen(got.status)) throw new Error(`isClosed wrong for ${got.status}`)
    }),
    { numRuns: 25, seed: 20261203 }
  )
  t.pass('the workflow matches its model')
})
