import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { cases } from '../../../src/modules/cases/cases.table.js'
import { type CaseJson, createCase } from '../../fixtures/cases.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The open and overdue filters of GET /v1/cases and the sort by due time.
// Due and response times are forced by updating the rows straight in the
// test database, far enough from now (minutes) that the test clock never
// decides an outcome.

const app = await buildTestApp(t)

const MINUTE = 60 * 1000
const at = (minutesFromNow: number) => new Date(Date.now() + minutesFromNow * MINUTE)

type Caller = Pick<TestWorkspace, 'request'>
type CaseValues = Partial<typeof cases.$inferInsert>

const setRow = (id: string, values: CaseValues) =>
  app.deps.db.update(cases).set(values).where(eq(cases.id, id))

const page = async (ws: Caller, query: string): Promise<CaseJson[]> => {
  const res = await ws.request({ method: 'GET', url: `/v1/cases?${query}` })
  if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`)
  return res.json().data
}

t.test('filters open and overdue cases, agreeing with each record\'s isOverdue', async (t) => {
  const ws = await createWorkspace(app)
  const late = await createCase(ws, { subject: 'Past its resolution time' })
  const unanswered = await createCase(ws, { subject: 'No first response in time' })
  const answered = await createCase(ws, { subject: 'Answered, resolution still due' })
  const closed = await createCase(ws, { subject: 'Closed long after its due times' })
  const fresh = await createCase(ws, { subject: 'Just opened', priority: 'urgent' })

  await setRow(late.id, { firstResponseAt: at(-100), resolutionDueAt: at(-5) })
  await setRow(unanswered.id, { firstResponseDueAt: at(-5) })
  await setRow(answered.id, { firstResponseDueAt: at(-60), firstResponseAt: at(-30) })
  await ws.request({ method: 'PATCH', url: `/v1/cases/${closed.id}`, payload: { status: 'rejected' } })
  await setRow(closed.id, { firstResponseDueAt: at(-60), resolutionDueAt: at(-30) })

  const expectations: [string, string[]][] = [
    ['isOverdue=true', [unanswered.id, late.id]],
    ['isOverdue=false', [fresh.id, closed.id, answered.id]],
    ['isOpen=true', [fresh.id, answered.id, unanswered.id, late.id]],
    ['isOpen=false', [closed.id]],
    ['isOpen=true&isOverdue=false', [fresh.id, answered.id]],
    ['isOpen=false&isOverdue=true', []],
    ['isOverdue=true&sort=number', [late.id, unanswered.id]],
    ['isOverdue=false&priority=urgent', [fresh.id]],
    [`isOverdue=true&ownerId=${ws.userId}`, [unanswered.id, late.id]],
    ['isOverdue=true&q=resolution', [late.id]]
  ]
  for (const [query, expected] of expectations) {
    const data = await page(ws, query)
    t.same(data.map((c) => c.id), expected, query)
    const flag = /isOverdue=(true|false)/.exec(query)?.[1]
    if (flag !== undefined) {
      t.ok(data.every((c) => String(c.isOverdue) === flag), `${query}: every isOverdue is ${flag}`)
    }
  }

  const walked = await walkList(ws, '/v1/cases?isOverdue=false', 2)
  t.same(walked.ids, [fresh.id, closed.id, answered.id], 'pages through the filter')

  for (const bad of ['isOverdue=maybe', 'isOpen=1x', 'isOverdue=']) {
    const res = await ws.request({ method: 'GET', url: `/v1/cases?${bad}` })
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
  }
})

t.test('computes isOverdue in the filter and on the record by one rule', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  // Minutes from now, never within a minute of it.
  const offset = fc.oneof(fc.integer({ min: -600, max: -1 }), fc.integer({ min: 1, max: 600 }))

  await fc.assert(
    fc.asyncProperty(
      fc.record({
        firstResponseDue: offset,
        resolutionDue: offset,
        answered: fc.boolean(),
        closed: fc.boolean()
      }),
      async ({ firstResponseDue, resolutionDue, answered, closed }) => {
        await setRow(kase.id, {
          firstResponseDueAt: at(firstResponseDue),
          resolutionDueAt: at(resolutionDue),
          firstResponseAt: answered ? at(-1000) : null,
          isClosed: closed,
          status: closed ? 'closed' : 'in_progress'
        })
        const expected = !closed && (resolutionDue < 0 || (!answered && firstResponseDue < 0))
        const record = (await ws.request({ method: 'GET', url: `/v1/cases/${kase.id}` })).json()
        const listed = (await listIds(ws, '/v1/cases?isOverdue=true')).includes(kase.id)
        const others = (await listIds(ws, '/v1/cases?isOverdue=false')).includes(kase.id)
        if (record.isOverdue !== expected || listed !== expected || others === expected) {
          throw new Error(`expected ${expected}: field ${record.isOverdue}, ` +
            `isOverdue=true ${listed}, isOverdue=false ${others}`)
        }
      }
    ),
    { numRuns: 30, seed: 20261203 }
  )
  t.pass('the field and the filter agree with the rule')
})

t.test('sorts by the first-response due time', async (t) => {
  const ws = await createWorkspace(app)
  const low = await createCase(ws, { priority: 'low' })
  const urgent = await createCase(ws, { priority: 'urgent' })
  const normal = await createCase(ws, { priority: 'normal' })
  const high = await createCase(ws, { priority: 'high' })

  const ascending = [urgent.id, high.id, normal.id, low.id]
  t.same(await listIds(ws, '/v1/cases?sort=firstResponseDueAt'), ascending)
  t.same(await listIds(ws, '/v1/cases?sort=-firstResponseDueAt'), [...ascending].reverse())
  t.same((await walkList(ws, '/v1/cases?sort=firstResponseDueAt', 3)).ids, ascending)

  await setRow(low.id, { firstResponseDueAt: at(-1) })
  t.same(await listIds(ws, '/v1/cases?sort=firstResponseDueAt&isOverdue=true'), [low.id])
})

t.test('never lists another workspace\'s overdue cases', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const theirs = await createCase(other)
  await setRow(theirs.id, { resolutionDueAt: at(-10) })

  t.same(await listIds(ws, '/v1/cases?isOverdue=true'), [])
  t.same(await listIds(ws, '/v1/cases?isOpen=true'), [])
  t.same(await listIds(other, '/v1/cases?isOverdue=true'), [theirs.id])
})
