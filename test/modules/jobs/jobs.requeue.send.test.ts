import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { JOBS } from '../../../src/jobs/registry.js'
import { campaigns } from '../../../src/modules/campaigns/campaigns.table.js'
import { recoverSends } from '../../../src/modules/campaigns/sends/campaign-sends.recover.js'
import { SEND_JOB, startSend } from '../../../src/modules/campaigns/sends/campaign-sends.service.js'
import { requeueLostJobs } from '../../../src/modules/jobs/jobs.requeue.js'
import { markJobFinished } from '../../../src/modules/jobs/jobs.status.js'
import { jobs } from '../../../src/modules/jobs/jobs.table.js'
import { startWorkers } from '../../../src/worker.js'
import { startSmtpSink } from '../../fixtures/smtp-sink.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import {
  createSendableCampaign,
  jobFinished,
  jobRow,
  people,
  seedLeadMembers,
  sendStatusCounts,
  tenantOf,
  waitFor
} from '../campaigns/sends/send-fixtures.js'

/**
 * Campaign sends whose job Redis lost, on the real workers, SMTP server,
 * Postgres and Redis: the send goes on to the last member, each once. Only
 * the send processor runs here (no schedulers): the test decides when the
 * requeue and the send recovery run.
 */

const sink = await startSmtpSink({ delayMs: 20 })
t.teardown(() => sink.close())
const app = await buildTestApp(t, { SMTP_URL: sink.url, PUBLIC_URL: 'https://crm.example.com' })
const db = app.deps.db
const queue = app.deps.queues.get('campaigns')
const sendOnly = JOBS.filter((j) => j.name === SEND_JOB)
const redisUrl = process.env.REDIS_URL as string

const messagesOf = (campaignId: string) =>
  sink.messages.filter((m) => m.headers['message-id']?.startsWith(`<${campaignId}.`))

function deliveredOnce (campaignId: string, expected: number) {
  const counts = new Map<string, number>()
  for (const m of messagesOf(campaignId)) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1)
  return counts.size === expected && [...counts.values()].every((n) => n === 1)
}

const sendJobOf = async (campaignId: string) =>
  (await db.select({ id: campaigns.sendJobId, status: campaigns.sendStatus }).from(campaigns)
    .where(eq(campaigns.id, campaignId)))[0]

async function ageJob (id: string) {
  await db.execute(sql`
    update jobs set enqueued_at = now() - interval '10 minutes', updated_at = now() - interval '10 minutes'
    where id = ${id}::uuid
  `)
}

t.test('a send whose job Redis lost mid-send is continued by its own job to the last member', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, { sendRatePerSecond: 20 })
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(50, `lost-${campaign.id.slice(0, 8)}-`))
  const first = await startWorkers(app.deps, redisUrl, { jobs: sendOnly })
  const job = await startSend(app.deps, tenantOf(ws), campaign.id, null)
  await waitFor('a few messages', async () => messagesOf(campaign.id).length >= 5 ? true : undefined)
  await first.close()

  // The worker stopped mid-send; then Redis lost the job waiting to run again.
  const waiting = await queue.getJob(job.id)
  t.equal(await waiting?.getState(), 'delayed', 'the stopped job waits to run again')
  await waiting?.remove()
  t.equal(await queue.getJob(job.id), undefined, 'gone from Redis')
  const sentBefore = (await sendStatusCounts(db, campaign.id)).sent ?? 0
  t.ok(sentBefore >= 5 && sentBefore < 50, `stopped after ${sentBefore} of 50`)

  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 0, closed: 0 }, 'not within the grace')
  await ageJob(job.id)
  t.same(await requeueLostJobs(app.deps, app.deps.logger), { requeued: 1, closed: 0 }, 'queued again once past it')
  const back = await queue.getJob(job.id)
  t.same(back?.data, { workspaceId: ws.workspaceId, campaignId: campaign.id }, 'same id, same payload')

  const second = await startWorkers(app.deps, redisUrl, { jobs: sendOnly })
  t.teardown(() => second.close())
  const done = await jobFinished(db, job.id)
  t.equal(done.status, 'succeeded', done.error ?? '')
  t.match(done.result, { outcome: 'sent', total: 50, sent: 50, pending: 0 })
  t.same(await sendJobOf(campaign.id), { id: job.id, status: 'sent' }, 'sent by the job that started it')
  t.ok(deliveredOnce(campaign.id, 50), 'every member got it, each once')
  await second.close()
})

t.test('a send whose finished job Redis removed is continued by a new job; one of another prefix is not', async (t) => {
  const ws = await createWorkspace(app)
  const ours = await createSendableCampaign(ws, { name: 'Ours' })
  const theirs = await createSendableCampaign(ws, { name: 'Theirs' })
  await seedLeadMembers(db, ws.workspaceId, ours.id, people(8, `ours-${ours.id.slice(0, 8)}-`))
  await seedLeadMembers(db, ws.workspaceId, theirs.id, people(8, `theirs-${theirs.id.slice(0, 8)}-`))
  // Both jobs ended while their sends were still due (as a scheduled send run early does),
  // and were then removed from Redis before the recovery saw them completed.
  const oursJob = await startSend(app.deps, tenantOf(ws), ours.id, null)
  const theirsJob = await startSend(app.deps, tenantOf(ws), theirs.id, null)
  for (const job of [oursJob, theirsJob]) {
    await markJobFinished(db, job.id, { status: 'succeeded', result: { outcome: 'stopped' } })
    await (await queue.getJob(job.id))?.remove()
  }
  await db.update(jobs).set({ queuePrefix: '{elsewhere}' }).where(eq(jobs.id, theirsJob.id))

  t.equal(await recoverSends(app.deps, app.deps.logger), 1, 'one send continued')
  const moved = await sendJobOf(ours.id)
  t.not(moved?.id, oursJob.id, 'by a new job')
  t.equal(moved?.status, 'sending')
  t.equal((await jobRow(db, oursJob.id))?.status, 'succeeded', 'the old record stays as it ended')
  t.same(await sendJobOf(theirs.id), { id: theirsJob.id, status: 'sending' },
    'a job handed to another prefix is not judged here')
  t.equal(await queue.getJob(theirsJob.id), undefined)

  const workers = await startWorkers(app.deps, redisUrl, { jobs: sendOnly })
  t.teardown(() => workers.close())
  const done = await jobFinished(db, moved?.id as string)
  t.match(done.result, { outcome: 'sent', sent: 8 })
  t.ok(deliveredOnce(ours.id, 8), 'every member got it, each once')
  t.equal(messagesOf(theirs.id).length, 0, 'nothing of the other prefix\'s send')
  // The other prefix's send is its own processes' to finish; end it here.
  await db.update(campaigns).set({ sendStatus: 'paused' }).where(eq(campaigns.id, theirs.id))
  await workers.close()
})
