import { randomUUID } from 'node:crypto'
import { type Job, QueueEvents } from 'bullmq'
import { and, eq, sql } from 'drizzle-orm'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { createQueues } from '../../../src/jobs/queues.js'
import { JOBS, type JobContext } from '../../../src/jobs/registry.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { DEFAULT_RULES } from '../../../src/modules/lead-scoring/lead-scoring.defaults.js'
import { pendingKey, takenKey } from '../../../src/modules/lead-scoring/lead-scoring.enqueue.js'
import { startWorkers } from '../../../src/worker.js'
import { addMember, createCampaign } from '../../fixtures/campaigns.js'
import { createLead } from '../../fixtures/leads.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { insertManyLeads } from './scoring.fixtures.js'
import { oracleScore } from './scoring.oracle.js'

// The scoring jobs on real BullMQ workers started in this process (only
// the lead scoring jobs), against real PostgreSQL and Redis: requests from
// writes, their deduplication, workspace rescores in chunks, the rescore
// route and the nightly fan-out. Each wait is on a BullMQ job event.

const redisUrl = process.env.REDIS_URL as string
// Through the registry: a module's jobs file is only ever loaded by it.
const leadScoringJobs = JOBS.filter((j) => j.queue === 'scoring')
const app = await buildTestApp(t)
const queue = app.deps.queues.get('scoring')

const eventsConnection = new Redis(redisUrl, { maxRetriesPerRequest: null })
const events = new QueueEvents('scoring', {
  connection: eventsConnection,
  prefix: app.deps.queues.prefix,
  blockingTimeout: 200
})
await events.waitUntilReady()
t.teardown(async () => {
  await events.close()
  await eventsConnection.quit()
})

async function workers (t: Test) {
  const running = await startWorkers(app.deps, redisUrl, { jobs: leadScoringJobs })
  t.teardown(() => running.close())
  return running
}

const finished = async (id: string) => {
  const job = await queue.getJob(id) as Job
  return job.waitUntilFinished(events, 60_000)
}

/** The one leads.score job waiting for the workspace (there is one per workspace). */
async function pendingScoreJob (ws: TestWorkspace) {
  const jobsOf = (await queue.getJobs(['delayed', 'waiting', 'active']))
    .filter((j) => j.name === 'leads.score' && j.data.workspaceId === ws.workspaceId)
  return jobsOf
}

/** Waits out every leads.score job of the workspace, including one kept to run after an active one. */
async function settle (ws: TestWorkspace) {
  for (let round = 0; round < 20; round++) {
    const open = await pendingScoreJob(ws)
    if (open.length === 0) return
    await Promise.all(open.map((j) => finished(j.id as string)))
  }
  throw new Error('scoring jobs kept coming')
}

async function completedScoreJobs (ws: TestWorkspace) {
  return (await queue.getJobs(['completed']))
    .filter((j) => j.name === 'leads.score' && j.data.workspaceId === ws.workspaceId)
}

const scoreOf = async (ws: TestWorkspace, leadId: string) =>
  (await ws.request({ method: 'GET', url: `/v1/leads/${leadId}/score` })).json()

const blank = { industry: null, source: null, numberOfEmployees: null, estimatedAmount: null }

t.test('a burst of 20 edits of a lead is scored by one job run, from the last edit', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, { email: 'grace@globex.example' })
  for (let i = 0; i < 20; i++) {
    const res = await ws.request({
      method: 'PATCH',
      url: `/v1/leads/${lead.id}`,
      payload: { title: i === 19 ? 'Head of Engineering' : `Engineer ${i}` }
    })
    t.equal(res.statusCode, 200)
  }
  const waiting = await pendingScoreJob(ws)
  t.equal(waiting.length, 1, 'one job for 21 writes')

  await workers(t)
  const result = await finished(waiting[0]?.id as string)
  t.same(result, { requested: 1, scored: 1 }, 'the lead once')
  t.equal((await completedScoreJobs(ws)).length, 1, 'one run')

  const score = await scoreOf(ws, lead.id)
  const last = { ...blank, title: 'Head of Engineering', email: 'grace@globex.example' }
  const expected = oracleScore(DEFAULT_RULES, last, [], '2026-01-01')
  t.same({ score: score.score, breakdown: score.breakdown }, expected, 'scored from the last title')
  t.equal(score.score, 25, 'business email 10 + decision maker 15')
  t.match(score, { rulesVersion: 0, currentRulesVersion: 0, stale: false })
  t.ok(Date.parse(score.scoredAt) > Date.parse(lead.createdAt))
  t.same(await app.deps.redis.smembers(pendingKey(app.deps, ws.workspaceId)), [], 'nothing left pending')

  const later = await ws.request({ method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { title: 'Intern' } })
  t.equal(later.statusCode, 200)
  const next = await pendingScoreJob(ws)
  t.equal(next.length, 1, 'a finished job kept by retention swallows no later request')
  await finished(next[0]?.id as string)
  t.equal((await scoreOf(ws, lead.id)).score, 10)
})

t.test('campaign engagement feeds the score', async (t) => {
  const ws = await createWorkspace(app)
  await workers(t)
  const lead = await createLead(ws, { email: 'ada@gmail.com' })
  const campaign = await createCampaign(ws)
  const member = await addMember(ws, campaign.id, { leadId: lead.id })
  const clicked = await ws.request({
    method: 'PATCH',
    url: `/v1/campaigns/${campaign.id}/members/${member.id}`,
    payload: { status: 'clicked' }
  })
  t.equal(clicked.statusCode, 200)
  await settle(ws)
  const score = await scoreOf(ws, lead.id)
  t.same(score.breakdown.map((e: { rule: string, points: number }) => [e.rule, e.points]), [
    ['Free-mail address', -5],
    ['clicked', 5]
  ])
  t.equal(score.score, 0, '-5 + 5')
  t.equal(score.breakdown[1].events, 1)
})

t.test('a rules change rescores every lead, 12,000 of them in 3 chunks of 5,000', async (t) => {
  const ws = await createWorkspace(app)
  await insertManyLeads(app.deps.db, ws.workspaceId, 12_000)
  await workers(t)
  const res = await ws.request({
    method: 'PUT',
    url: '/v1/lead-scoring/rules',
    payload: {
      fit: [
        { name: 'Head', type: 'title_contains', anyOf: ['HEAD'], points: 30 },
        { name: 'Business email', type: 'email_domain', freeMail: false, points: 10 }
      ],
      engagement: { openedPoints: 1, clickedPoints: 1, respondedPoints: 1, maxPoints: 5 }
    }
  })
  t.equal(res.statusCode, 200, res.body)
  const jobId = res.json().rescoreJob.id
  const result = await finished(jobId)
  t.match(result, { total: 12_000, scored: 12_000, chunks: 3, rulesVersion: 1 })

  const job = (await ws.request({ method: 'GET', url: `/v1/jobs/${jobId}` })).json()
  t.equal(job.status, 'succeeded')
  t.same(job.progress, { total: 12_000, scored: 12_000, chunks: 3 }, 'the last progress is on the job')

  const byScore = await app.deps.db
    .select({ score: leads.score, version: leads.scoreRulesVersion, n: sql<number>`count(*)::int` })
    .from(leads)
    .where(eq(leads.workspaceId, ws.workspaceId))
    .groupBy(leads.score, leads.scoreRulesVersion)
    .orderBy(leads.score)
  t.same(byScore, [
    { score: 10, version: 1, n: 6000 },
    { score: 40, version: 1, n: 6000 }
  ], 'heads 30 + 10, the others 10, all with version 1')
})

t.test('POST /v1/leads/rescore answers 202 and its job scores every lead', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  await insertManyLeads(app.deps.db, ws.workspaceId, 30)
  await insertManyLeads(app.deps.db, other.workspaceId, 5)
  await workers(t)
  const res = await ws.request({ method: 'POST', url: '/v1/leads/rescore' })
  t.equal(res.statusCode, 202)
  const result = await finished(res.json().id)
  t.match(result, { total: 30, scored: 30, chunks: 1, rulesVersion: 0 })
  const status = (await ws.request({ method: 'GET', url: res.headers.location as string })).json()
  t.match(status, { status: 'succeeded', progress: { total: 30, scored: 30, chunks: 1 } })
  const unscored = await app.deps.db
    .select({ n: sql<number>`count(*)::int` })
    .from(leads)
    .where(and(eq(leads.workspaceId, other.workspaceId), sql`${leads.score} is not null`))
  t.equal(unscored[0]?.n, 0, 'another workspace is not touched')
  const forbidden = await other.request({ method: 'GET', url: res.headers.location as string })
  t.equal(forbidden.statusCode, 404, 'nor can it see the job')
})

t.test('leads a dead worker had taken are scored by the next attempt', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, { title: 'Founder' })
  const jobId = `crashed-${randomUUID()}`
  await app.deps.redis.sadd(takenKey(app.deps, jobId), lead.id)
  const score = leadScoringJobs.find((j) => j.name === 'leads.score')
  const ctx = {
    deps: app.deps,
    log: app.deps.logger,
    attempt: 2,
    jobId,
    signal: new AbortController().signal,
    progress: async () => {}
  } satisfies JobContext
  const result = await score?.process({ workspaceId: ws.workspaceId, asOf: new Date().toISOString() }, ctx)
  t.match(result, { scored: 2 }, 'the taken lead first, then the pending one')
  t.equal((await scoreOf(ws, lead.id)).score, 15)
  t.equal(await app.deps.redis.exists(takenKey(app.deps, jobId)), 0, 'the job let go of its ids')
})

t.test('the nightly job queues one rescore per workspace with leads and day, once', async (t) => {
  const ws = await createWorkspace(app)
  const empty = await createWorkspace(app)
  await insertManyLeads(app.deps.db, ws.workspaceId, 3)
  // Its own prefix without workers: the nightly job sees every workspace of
  // the test database, whose rescores are not this test's to run.
  const queues = createQueues(app.deps.redis, `{test-nightly-${randomUUID().slice(0, 8)}}`)
  t.teardown(async () => {
    await queues.get('scoring').obliterate({ force: true })
    await queues.close()
  })
  const nightly = leadScoringJobs.find((j) => j.name === 'leads.rescore-nightly')
  t.same(nightly?.schedule, { id: 'leads.rescore-nightly', pattern: '0 3 * * *', tz: 'UTC' })
  const ctx = {
    deps: { ...app.deps, queues },
    log: app.deps.logger,
    attempt: 1,
    jobId: 'nightly',
    signal: new AbortController().signal,
    progress: async () => {}
  } satisfies JobContext
  const first = await nightly?.process({}, ctx) as { workspaces: number, asOf: string }
  await nightly?.process({}, ctx)
  const day = first.asOf.slice(0, 10)
  const scoring = queues.get('scoring')
  const mine = await scoring.getJob(`leads.rescore.nightly.${ws.workspaceId}.${day}`)
  t.match(mine?.data, { workspaceId: ws.workspaceId, reason: 'nightly', asOf: first.asOf })
  t.equal(mine?.name, 'leads.rescore')
  t.notOk(await scoring.getJob(`leads.rescore.nightly.${empty.workspaceId}.${day}`), 'none without leads')
  t.equal(await scoring.count(), first.workspaces, 'a second run the same day adds nothing')
})

t.test('the workers register the nightly scheduler', async (t) => {
  await workers(t)
  const scheduler = await queue.getJobScheduler('leads.rescore-nightly')
  t.match(scheduler, { name: 'leads.rescore-nightly', pattern: '0 3 * * *', tz: 'UTC' })
})
