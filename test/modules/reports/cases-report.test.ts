import { eq } from 'drizzle-orm'
import t from 'tap'
import { cases } from '../../../src/modules/cases/cases.table.js'
import { createCase } from '../../fixtures/cases.js'
import { walkList } from '../../fixtures/lists.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { type CaseRecord, type CasesFilters, casesOracle } from './report-oracles.js'

// The real app on the real Postgres and Redis. Cases are opened through
// the API; their status and times are then set in the table, so that the
// SLA situations are known exactly and do not depend on the case workflow.
// Every time is at least an hour away from now, so "now" moving during the
// test changes nothing. The report is compared with report-oracles.ts.

const HOUR = 60 * 60 * 1000

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>

async function report (ws: Caller, query = '') {
  const res = await ws.request({ method: 'GET', url: `/v1/reports/cases${query}` })
  if (res.statusCode !== 200) throw new Error(`report failed: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function caseRecords (ws: Caller) {
  return (await walkList(ws, '/v1/cases', 200)).items as unknown as CaseRecord[]
}

async function expected (ws: Caller, filters: CasesFilters = {}) {
  return casesOracle(await caseRecords(ws), Date.now(), filters)
}

async function createAccount (ws: Caller, name: string) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().id as string
}

const setRow = (id: string, values: Partial<typeof cases.$inferInsert>) =>
  app.deps.db.update(cases).set(values).where(eq(cases.id, id))

t.test('an empty workspace answers zeros and null times, not an error', async (t) => {
  const ws = await createWorkspace(app)
  t.same(await report(ws), {
    open: {
      total: 0,
      byPriority: { low: 0, normal: 0, high: 0, urgent: 0 },
      byStatus: { new: 0, assigned: 0, in_progress: 0, pending_customer: 0, escalated: 0 }
    },
    slaBreaches: { firstResponse: 0, resolution: 0, openOverdue: 0 },
    resolved: { count: 0, medianResolutionSeconds: null, averageResolutionSeconds: null }
  })
})

t.test('counts open cases, SLA breaches and resolution times', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app, 'Other workspace')
  const agent = await createUser(app, ws, 'support')
  const acme = await createAccount(ws, 'Acme')
  const globex = await createAccount(ws, 'Globex')
  const now = Date.now()
  // Closed cases were opened five days ago, at `start`.
  const start = now - 120 * HOUR
  const at = (ms: number) => new Date(ms)
  const open = (status: string, fromNow = 0) => ({ status, createdAt: at(now + fromNow) })
  const closed = (status: string, hours: { resolved?: number, closed: number }, extra = 0) => ({
    status,
    isClosed: true,
    createdAt: at(start),
    resolvedAt: hours.resolved === undefined ? null : at(start + hours.resolved * HOUR + extra),
    closedAt: at(start + hours.closed * HOUR + extra)
  })

  const specs: [Record<string, unknown>, Partial<typeof cases.$inferInsert>][] = [
    // Unanswered past its first-response time: a breach and overdue.
    [{ priority: 'urgent', accountId: acme }, {
      ...open('new', -3 * HOUR), firstResponseDueAt: at(now - 2 * HOUR), resolutionDueAt: at(now + HOUR)
    }],
    // Answered in time, past its resolution time: a breach and overdue.
    [{ priority: 'high', ownerId: agent.id, accountId: acme }, {
      ...open('in_progress', -30 * HOUR),
      firstResponseAt: at(now - 29 * HOUR),
      firstResponseDueAt: at(now - 26 * HOUR),
      resolutionDueAt: at(now - 6 * HOUR)
    }],
    // Answered late, nothing past due now: a first-response breach, not overdue.
    [{ priority: 'normal', ownerId: agent.id, accountId: globex }, {
      ...open('assigned', -10 * HOUR),
      firstResponseAt: at(now - HOUR),
      firstResponseDueAt: at(now - 2 * HOUR),
      resolutionDueAt: at(now + 62 * HOUR)
    }],
    // Nothing due yet.
    [{ priority: 'low', ownerId: agent.id }, open('escalated')],
    [{ priority: 'normal' }, open('pending_customer')],
    // Resolved in an hour and 3 ms, answered in time: no breach.
    [{ priority: 'urgent', accountId: acme }, {
      ...closed('resolved', { resolved: 1, closed: 1 }, 3),
      firstResponseAt: at(start + HOUR / 2),
      firstResponseDueAt: at(start + HOUR),
      resolutionDueAt: at(start + 4 * HOUR)
    }],
    // Resolved after three hours of two, never answered: both breached.
    [{ priority: 'urgent', ownerId: agent.id }, {
      ...closed('resolved', { resolved: 3, closed: 3 }),
      firstResponseDueAt: at(start + HOUR),
      resolutionDueAt: at(start + 2 * HOUR)
    }],
    // Resolved in two hours, then closed: the closing keeps closedAt.
    [{ priority: 'normal', ownerId: agent.id, accountId: globex }, {
      ...closed('closed', { resolved: 2, closed: 2 }),
      firstResponseAt: at(start + HOUR),
      firstResponseDueAt: at(start + 8 * HOUR),
      resolutionDueAt: at(start + 72 * HOUR)
    }],
    // Rejected after ten hours of four: a resolution breach without a resolvedAt.
    [{ priority: 'urgent' }, {
      ...closed('rejected', { closed: 10 }),
      firstResponseAt: at(start + HOUR / 4),
      firstResponseDueAt: at(start + HOUR),
      resolutionDueAt: at(start + 4 * HOUR)
    }],
    // A duplicate closed at once, never answered: past its first-response time now.
    [{ priority: 'normal' }, {
      ...closed('duplicate', { closed: 1 }),
      firstResponseDueAt: at(start + 8 * HOUR),
      resolutionDueAt: at(start + 72 * HOUR)
    }],
    // Resolved in ten hours, within its 24.
    [{ priority: 'high', accountId: acme }, {
      ...closed('resolved', { resolved: 10, closed: 10 }),
      firstResponseAt: at(start + HOUR),
      firstResponseDueAt: at(start + 4 * HOUR),
      resolutionDueAt: at(start + 24 * HOUR)
    }]
  ]
  for (const [body, row] of specs) {
    const kase = await createCase(ws, body)
    await setRow(kase.id, row)
  }
  const gone = await createCase(ws, { priority: 'urgent' })
  await setRow(gone.id, { firstResponseDueAt: at(now - HOUR), resolutionDueAt: at(now - HOUR) })
  t.equal((await ws.request({ method: 'DELETE', url: `/v1/cases/${gone.id}` })).statusCode, 204)
  for (let i = 0; i < 2; i++) {
    const theirs = await createCase(other, { priority: 'urgent' })
    await app.deps.db.update(cases)
      .set({ firstResponseDueAt: at(now - HOUR), resolutionDueAt: at(now - HOUR) })
      .where(eq(cases.id, theirs.id))
  }

  const body = await report(ws)
  t.same(body, await expected(ws), 'every number matches the independent computation')
  // The same numbers by hand, so the oracle itself is checked once.
  t.same(body, {
    open: {
      total: 5,
      byPriority: { low: 1, normal: 2, high: 1, urgent: 1 },
      byStatus: { new: 1, assigned: 1, in_progress: 1, pending_customer: 1, escalated: 1 }
    },
    slaBreaches: { firstResponse: 4, resolution: 3, openOverdue: 2 },
    resolved: {
      count: 4,
      // 1 h 3 ms, 2 h, 3 h and 10 h.
      medianResolutionSeconds: 9000,
      averageResolutionSeconds: 14400.001
    }
  })
  const records = await caseRecords(ws)
  t.equal(body.slaBreaches.openOverdue, records.filter((r) => r.isOverdue).length,
    'exactly the records shown as overdue')

  t.test('filters by owner, account and creation time', async (t) => {
    const opened = at(start).toISOString()
    const dayAgo = at(now - 24 * HOUR).toISOString()
    const filters: [string, CasesFilters][] = [
      [`?ownerId=${agent.id}`, { ownerIds: [agent.id] }],
      [`?ownerId=${agent.id.toUpperCase()},${ws.userId}`, { ownerIds: [agent.id, ws.userId] }],
      [`?accountId=${acme}`, { accountIds: [acme] }],
      [`?accountId=${acme},${globex}`, { accountIds: [acme, globex] }],
      [`?createdAtFrom=${opened}&createdAtTo=${opened}`, { createdAtFrom: opened, createdAtTo: opened }],
      [`?createdAtFrom=${dayAgo}`, { createdAtFrom: dayAgo }],
      [`?accountId=${acme}&ownerId=${agent.id}`, { accountIds: [acme], ownerIds: [agent.id] }]
    ]
    for (const [query, f] of filters) {
      t.same(await report(ws, query), await expected(ws, f), query)
    }

    const closedOnes = await report(ws, `?createdAtFrom=${opened}&createdAtTo=${opened}`)
    t.equal(closedOnes.open.total, 0, 'both ends are inclusive')
    t.equal(closedOnes.resolved.count, 4)
    const acmes = await report(ws, `?accountId=${acme}`)
    t.same(acmes.resolved, {
      count: 2,
      medianResolutionSeconds: 19800.0015,
      averageResolutionSeconds: 19800.002
    }, 'the median of an even count is the midpoint; the mean is rounded half up')
    const agents = await report(ws, `?ownerId=${agent.id}`)
    t.same(agents.resolved, { count: 2, medianResolutionSeconds: 9000, averageResolutionSeconds: 9000 })
    const none = await report(ws, `?accountId=${acme}&ownerId=${agent.id}`)
    t.same(none.resolved, { count: 0, medianResolutionSeconds: null, averageResolutionSeconds: null })
  })

  t.test('never counts another workspace\'s cases', async (t) => {
    const theirs = await report(other)
    t.equal(theirs.open.total, 2)
    t.same(theirs.slaBreaches, { firstResponse: 2, resolution: 2, openOverdue: 2 })
    t.same(theirs, await expected(other))
    const foreign = await report(ws, `?ownerId=${other.userId}`)
    t.equal(foreign.open.total, 0)
  })
})
