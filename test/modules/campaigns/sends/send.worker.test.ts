import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, inArray } from 'drizzle-orm'
import { Redis } from 'ioredis'
import t from 'tap'
import { campaignMembers } from '../../../../src/modules/campaigns/members/campaign-members.table.js'
import { campaignRateLimiter } from '../../../../src/modules/campaigns/sends/campaign-sends.rate.js'
import { recordSendJob, startSend } from '../../../../src/modules/campaigns/sends/campaign-sends.service.js'
import { dispatchJobs } from '../../../../src/modules/jobs/jobs.outbox.js'
import { leads } from '../../../../src/modules/leads/leads.table.js'
import { startWorkers } from '../../../../src/worker.js'
import { bodyOf, decodeHeader, startSmtpSink, type SunkMessage } from '../../../fixtures/smtp-sink.js'
import { createWorkspace, type TestWorkspace } from '../../../fixtures/workspaces.js'
import { buildTestApp } from '../../../helper.js'
import {
  createSendableCampaign,
  isolatedDeps,
  jobFinished,
  jobRow,
  people,
  seedLeadMembers,
  sendRows,
  sendStatusCounts,
  tenantOf,
  waitFor
} from './send-fixtures.js'

// Campaign sends delivered by the real workers (started in this process)
// to a real SMTP server, on the real Postgres and Redis: what arrives, how
// often, rendered how, and what the database records. The sink refuses
// `bounce*` addresses for good (550), defers `defer*` ones twice (451) and
// `never*` ones always.

const deferrals = new Map<string, number>()
const sink = await startSmtpSink({
  recipient (address) {
    if (address.startsWith('bounce')) return { code: 550, message: 'No such user here' }
    if (address.startsWith('never')) return { code: 451, message: 'Try again later' }
    if (!address.startsWith('defer')) return undefined
    const seen = deferrals.get(address) ?? 0
    deferrals.set(address, seen + 1)
    return seen < 2 ? { code: 451, message: 'Greylisted, try again later' } : undefined
  }
})
t.teardown(() => sink.close())
const app = await buildTestApp(t, {
  SMTP_URL: sink.url,
  SEND_RATE_PER_SECOND: '500',
  SEND_RETRY_DELAY_MS: '100',
  SEND_MAX_ATTEMPTS: '3',
  PUBLIC_URL: 'https://crm.example.com'
})
const db = app.deps.db
const workers = await startWorkers(app.deps, process.env.REDIS_URL as string)
t.teardown(() => workers.close())

type Caller = Pick<TestWorkspace, 'request'>

async function send (ws: Caller, campaignId: string, payload: object = {}) {
  const res = await ws.request({ method: 'POST', url: `/v1/campaigns/${campaignId}/send`, payload })
  if (res.statusCode !== 202) throw new Error(`send failed: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}

const messagesOf = (campaignId: string): SunkMessage[] =>
  sink.messages.filter((m) => m.headers['message-id']?.startsWith(`<${campaignId}.`))

const countsOf = (campaignId: string) => {
  const counts = new Map<string, number>()
  for (const m of messagesOf(campaignId)) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1)
  return counts
}

const getCampaign = async (ws: Caller, campaignId: string) =>
  (await ws.request({ method: 'GET', url: `/v1/campaigns/${campaignId}` })).json()

t.test('delivers every eligible member exactly once, rendered, escaped and tracked', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, {
    subject: 'Hello {{firstName}}',
    htmlBody: '<html><body><p>Dear {{firstName}} of {{company}}</p>' +
      '<a href="https://acme.example/offer?for={{email}}">Offer</a> <a href="{{unsubscribeUrl}}">Leave</a></body></html>',
    textBody: 'Dear {{firstName}} of {{company}}, leave: {{unsubscribeUrl}}'
  })
  const crowd = people(40)
  const memberIds = await seedLeadMembers(db, ws.workspaceId, campaign.id, [
    ...crowd,
    { email: 'hostile@example.com', firstName: '<i>O\'Neil & "Co"</i>', company: 'A<B>' },
    { email: 'PERSON0@example.com' },
    { email: 'optout@example.com', emailOptOut: true }
  ])
  const job = await send(ws, campaign.id)
  const done = await jobFinished(db, job.id)
  t.equal(done.status, 'succeeded', done.error ?? '')
  t.same(done.result, {
    outcome: 'sent', total: 41, pending: 0, sent: 41, bounced: 0, failed: 0, optedOutLater: 0,
    skipped: { optedOut: 1, invalid: 0, duplicate: 1 }
  })
  const { outcome: _, ...final } = done.result as Record<string, unknown>
  t.same(done.progress, final, 'the final counts are the progress too')

  const counts = countsOf(campaign.id)
  t.equal(counts.size, 41, 'every eligible address')
  t.ok([...counts.values()].every((n) => n === 1), 'each exactly once')
  t.equal(counts.get('optout@example.com'), undefined, 'never the opted-out')

  const rows = await sendRows(db, campaign.id)
  t.ok(rows.every((r) => r.status === 'sent' && r.sentAt !== null && r.attempts === 1 && r.claimToken === null))
  const hostileRow = rows.find((r) => r.email === 'hostile@example.com')
  const message = messagesOf(campaign.id).find((m) => m.to[0] === 'hostile@example.com') as SunkMessage
  t.equal(message.headers['message-id'], `<${campaign.id}.${hostileRow?.id}@acme.example>`,
    'Message-ID from the campaign and the send row')
  t.equal(hostileRow?.messageId, message.headers['message-id'], 'recorded on the row')
  t.equal(message.headers.from, 'Acme Marketing <news@acme.example>')
  t.equal(message.headers['reply-to'], 'sales@acme.example')
  t.equal(decodeHeader(message.headers.subject as string), 'Hello <i>O\'Neil & "Co"</i>')
  t.equal(message.from, 'news@acme.example', 'the envelope sender')
  t.match(message.headers['list-unsubscribe'], /^<https:\/\/crm\.example\.com\/v1\/unsubscribe\//)
  const html = bodyOf(message, 'text/html') as string
  t.match(html, '<p>Dear &lt;i&gt;O&#39;Neil &amp; &quot;Co&quot;&lt;/i&gt; of A&lt;B&gt;</p>', 'values escaped in HTML')
  t.notMatch(html, 'https://acme.example/offer', 'links go through the click redirect')
  t.match(html, /https:\/\/crm\.example\.com\/v1\/tracking\/open\//, 'an open pixel')
  const unsubscribe = message.headers['list-unsubscribe']?.slice(1, -1) as string
  t.match(html, `href="${unsubscribe.replaceAll('&', '&amp;')}"`, '{{unsubscribeUrl}} is the signed link')
  const text = bodyOf(message, 'text/plain') as string
  t.match(text, `Dear <i>O'Neil & "Co"</i> of A<B>, leave: ${unsubscribe}`, 'the text body takes values as they are')

  const members = await db.select().from(campaignMembers).where(inArray(campaignMembers.id, memberIds))
  const sent = members.filter((m) => m.status === 'sent')
  t.equal(sent.length, 41, 'delivered members are sent')
  t.ok(sent.every((m) => m.sentAt !== null && m.version === 2))
  t.equal(members.filter((m) => m.status === 'targeted').length, 2,
    'the duplicate and the opted-out stay targeted')
  const after = await getCampaign(ws, campaign.id)
  t.equal(after.sendStatus, 'sent')
  t.ok(after.sendStartedAt !== null && after.sendFinishedAt !== null)
  t.ok(after.sendFinishedAt >= after.sendStartedAt)
})

t.test('550 bounces the member; 451 is retried with backoff, then delivered or failed', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, [
    { email: 'fine@example.com' },
    { email: `bounce-${campaign.id}@example.com` },
    { email: `defer-${campaign.id}@example.com` },
    { email: `never-${campaign.id}@example.com` }
  ])
  const job = await send(ws, campaign.id)
  const done = await jobFinished(db, job.id)
  t.equal(done.status, 'succeeded', done.error ?? '')
  t.match(done.result, { outcome: 'sent', total: 4, sent: 2, bounced: 1, failed: 1, pending: 0 })

  const rows = new Map((await sendRows(db, campaign.id)).map((r) => [r.email.split('-')[0], r]))
  t.match(rows.get('bounce'), { status: 'bounced', attempts: 1 })
  t.match(rows.get('bounce')?.lastError, /550/)
  t.match(rows.get('defer'), { status: 'sent', attempts: 3, lastError: null }, 'two deferrals, then delivered')
  t.match(rows.get('never'), { status: 'failed', attempts: 3 }, 'SEND_MAX_ATTEMPTS attempts, then failed')
  t.match(rows.get('never')?.lastError, /451/)
  const counts = countsOf(campaign.id)
  t.equal(counts.get(`defer-${campaign.id}@example.com`), 1, 'the deferred one arrives once')
  t.equal(deferrals.get(`defer-${campaign.id}@example.com`), 3, 'asked three times')

  const members = await db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, campaign.id))
  const member = (status: string) => members.filter((m) => m.status === status)
  t.equal(member('bounced').length, 1)
  t.ok(member('bounced')[0]?.bouncedAt)
  t.equal(member('failed').length, 1)
  t.ok(member('failed')[0]?.failedAt)
  t.equal(member('sent').length, 2)
})

t.test('the per-campaign rate limit holds, also over several limiters at once', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, { sendRatePerSecond: 10 })
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(25, `rate-${campaign.id.slice(0, 8)}-`))
  const job = await send(ws, campaign.id)
  t.equal((await jobFinished(db, job.id)).status, 'succeeded')
  const times = messagesOf(campaign.id).map((m) => m.receivedAt).sort((a, b) => a - b)
  t.equal(times.length, 25)
  const elapsed = ((times.at(-1) as number) - (times[0] as number)) / 1000
  t.ok(elapsed >= 25 / 10 - 1, `25 messages at 10/s took ${elapsed.toFixed(2)} s`)

  // Two processes' limiters, each on its own connection, share the campaign's slots.
  const redisUrl = process.env.REDIS_URL as string
  const [a, b] = [new Redis(redisUrl), new Redis(redisUrl)]
  t.teardown(() => Promise.all([a.quit(), b.quit()]))
  const key = `shared-${campaign.id}`
  const limiters = [campaignRateLimiter(a, app.deps.queues.prefix, key), campaignRateLimiter(b, app.deps.queues.prefix, key)]
  const started = Date.now()
  await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 2]?.acquire(20)))
  const took = (Date.now() - started) / 1000
  t.ok(took >= 30 / 20 - 1, `30 slots at 20/s over two connections took ${took.toFixed(2)} s`)
})

t.test('two jobs of one campaign at once never both send a message', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(200, `twice-${campaign.id.slice(0, 8)}-`))
  const first = await send(ws, campaign.id)
  const second = await db.transaction((tx) => recordSendJob(tx, app.deps, {
    workspaceId: ws.workspaceId, id: campaign.id, sendSkipped: null
  }, { createdBy: null }))
  await dispatchJobs(app.deps, [second])
  const [a, b] = [await jobFinished(db, first.id), await jobFinished(db, second.id)]
  t.equal(a.status, 'succeeded')
  t.equal(b.status, 'succeeded')
  const counts = countsOf(campaign.id)
  t.equal(counts.size, 200)
  t.ok([...counts.values()].every((n) => n === 1), 'each address once')
  t.same(await sendStatusCounts(db, campaign.id), { sent: 200 })
})

t.test('pause stops the send between batches; resume sends the rest, each once', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, { sendRatePerSecond: 20 })
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(80, `pause-${campaign.id.slice(0, 8)}-`))
  const first = await send(ws, campaign.id)
  await waitFor('a few messages', async () => messagesOf(campaign.id).length >= 5 ? true : undefined)
  const paused = await ws.request({ method: 'POST', url: `/v1/campaigns/${campaign.id}/send/pause` })
  t.equal(paused.json().sendStatus, 'paused')
  const stopped = await jobFinished(db, first.id)
  t.equal(stopped.status, 'succeeded')
  t.match(stopped.result, { outcome: 'paused' })
  const sentBefore = messagesOf(campaign.id).length
  t.ok(sentBefore < 80, `stopped after ${sentBefore} of 80`)
  t.equal((stopped.result as { sent: number }).sent, sentBefore, 'the result counts what went out')
  t.same(await sendStatusCounts(db, campaign.id), { sent: sentBefore, pending: 80 - sentBefore },
    'nothing left claimed')

  const resumed = await ws.request({ method: 'POST', url: `/v1/campaigns/${campaign.id}/send/resume` })
  t.equal(resumed.statusCode, 202, resumed.body)
  const done = await jobFinished(db, resumed.json().id)
  t.match(done.result, { outcome: 'sent', sent: 80, pending: 0 })
  const counts = countsOf(campaign.id)
  t.equal(counts.size, 80)
  t.ok([...counts.values()].every((n) => n === 1), 'each address once across both jobs')
  t.equal((await getCampaign(ws, campaign.id)).sendStatus, 'sent')
})

t.test('a scheduled send starts at sendAt and skips who opted out meanwhile', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  const prefix = `later-${campaign.id.slice(0, 8)}-`
  const memberIds = await seedLeadMembers(db, ws.workspaceId, campaign.id, people(3, prefix))
  const sendAt = new Date(Date.now() + 1500)
  const job = await send(ws, campaign.id, { sendAt: sendAt.toISOString() })
  const [member] = await db.select().from(campaignMembers).where(eq(campaignMembers.id, memberIds[0] as string))
  await db.update(leads).set({ emailOptOut: true }).where(eq(leads.id, member?.leadId as string))
  t.equal((await getCampaign(ws, campaign.id)).sendStatus, 'scheduled')

  const done = await jobFinished(db, job.id)
  t.match(done.result, { outcome: 'sent', total: 3, sent: 2, optedOutLater: 1 })
  t.ok((done.startedAt as Date).getTime() >= sendAt.getTime() - 1000, 'not before sendAt')
  const counts = countsOf(campaign.id)
  t.equal(counts.get(`${prefix}0@example.com`), undefined, 'the opted-out member got nothing')
  t.equal(counts.size, 2)
  t.same(await sendStatusCounts(db, campaign.id), { sent: 2, skipped: 1 })
  const after = await getCampaign(ws, campaign.id)
  t.ok(Date.parse(after.sendStartedAt) >= sendAt.getTime() - 1000)
})

t.test('without SMTP_URL the workers write each message as an .eml file under DATA_DIR/mail', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-eml-send-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  // Workers of their own, on a queue prefix of their own, with no SMTP_URL.
  const deps = isolatedDeps(t, app.deps, { SMTP_URL: undefined, DATA_DIR: dataDir })
  const emlWorkers = await startWorkers(deps, process.env.REDIS_URL as string)
  t.teardown(() => emlWorkers.close())
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(3, 'eml'))
  const job = await startSend(deps, tenantOf(ws), campaign.id, null)
  t.match((await jobFinished(db, job.id)).result, { outcome: 'sent', sent: 3 })

  const rows = await sendRows(db, campaign.id)
  const files = (await readdir(join(dataDir, 'mail'))).sort()
  const names = rows.map((r) => `${campaign.id}.${r.id}@acme.example.eml`).sort()
  t.same(files, names, 'one file per message, named by its Message-ID')
  const row = rows.find((r) => r.email === 'eml1@example.com')
  const eml = await readFile(join(dataDir, 'mail', `${campaign.id}.${row?.id}@acme.example.eml`), 'utf8')
  t.match(eml, /\r\nTo: eml1@example\.com\r\n/)
  t.match(eml, /Subject: Hello P1/)
  t.match(eml, /List-Unsubscribe:\s+<https:\/\/crm\.example\.com\/v1\/unsubscribe\//, 'tracked as every message is')
})

t.test('a worker shutting down hands its messages back; the next worker sends the rest once', async (t) => {
  const deps = isolatedDeps(t, app.deps)
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, { sendRatePerSecond: 20 })
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(60, `stop-${campaign.id.slice(0, 8)}-`))
  const first = await startWorkers(deps, process.env.REDIS_URL as string)
  const job = await startSend(deps, tenantOf(ws), campaign.id, null)
  await waitFor('a few messages', async () => messagesOf(campaign.id).length >= 5 ? true : undefined)
  await first.close()

  const stopped = await waitFor('the job record', async () => {
    const row = await jobRow(db, job.id)
    return row?.error === 'interrupted by a worker shutdown' ? row : undefined
  })
  t.equal(stopped.status, 'queued', 'to run again, without using an attempt')
  const counts = await sendStatusCounts(db, campaign.id)
  t.equal(counts.sending, undefined, 'nothing left claimed')
  t.ok((counts.sent ?? 0) < 60, `stopped after ${counts.sent} of 60`)
  t.equal(messagesOf(campaign.id).length, counts.sent, 'every message that went out is recorded')

  const second = await startWorkers(deps, process.env.REDIS_URL as string)
  t.teardown(() => second.close())
  t.match((await jobFinished(db, job.id)).result, { outcome: 'sent', sent: 60 })
  const delivered = countsOf(campaign.id)
  t.equal(delivered.size, 60)
  t.ok([...delivered.values()].every((n) => n === 1), 'each address once')
})
