import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UnrecoverableError, Worker } from 'bullmq'
import { and, eq } from 'drizzle-orm'
import { Redis } from 'ioredis'
import t from 'tap'
import { campaignMembers } from '../../../../src/modules/campaigns/members/campaign-members.table.js'
import { recoverSends } from '../../../../src/modules/campaigns/sends/campaign-sends.recover.js'
import { resumeSend, startSend } from '../../../../src/modules/campaigns/sends/campaign-sends.service.js'
import { testSend as testSendCampaign } from '../../../../src/modules/campaigns/sends/campaign-sends.test-send.js'
import { jobs } from '../../../../src/modules/jobs/jobs.table.js'
import { leads } from '../../../../src/modules/leads/leads.table.js'
import { addMember, createCampaign } from '../../../fixtures/campaigns.js'
import { createContact } from '../../../fixtures/contacts.js'
import { createLead } from '../../../fixtures/leads.js'
import { assertFullProblem, assertProblem } from '../../../fixtures/problems.js'
import { startSmtpSink } from '../../../fixtures/smtp-sink.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../../fixtures/workspaces.js'
import { buildTestApp } from '../../../helper.js'
import {
  createSendableCampaign,
  isolatedDeps,
  jobRow,
  people,
  SENDABLE,
  seedLeadMembers,
  sendRows,
  tenantOf
} from './send-fixtures.js'

// The send routes on the real app, Postgres, Redis and a real SMTP sink,
// with no worker running: what a send records, the state rules, the
// save-time merge-field check, test copies and tenancy. Delivery itself is
// in send.worker.test.ts.

const sink = await startSmtpSink({
  recipient: (address) => address.startsWith('refuse') ? { code: 550, message: 'No such user' } : undefined
})
t.teardown(() => sink.close())
const app = await buildTestApp(t, { SMTP_URL: sink.url })
const db = app.deps.db

type Caller = Pick<TestWorkspace, 'request'>
const NEVER_USED = '00000000-0000-4000-8000-000000000000'

const send = (ws: Caller, campaignId: string, payload?: object, headers: Record<string, string> = {}) =>
  ws.request({ method: 'POST', url: `/v1/campaigns/${campaignId}/send`, payload, headers })
const action = (ws: Caller, campaignId: string, verb: 'pause' | 'resume') =>
  ws.request({ method: 'POST', url: `/v1/campaigns/${campaignId}/send/${verb}` })
const testSend = (ws: Caller, campaignId: string, payload: object) =>
  ws.request({ method: 'POST', url: `/v1/campaigns/${campaignId}/test-send`, payload })
const getCampaign = async (ws: Caller, campaignId: string) =>
  (await ws.request({ method: 'GET', url: `/v1/campaigns/${campaignId}` })).json()

t.test('records one send row per eligible member and answers 202 with the job', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  const memberIds = await seedLeadMembers(db, ws.workspaceId, campaign.id, [
    { email: 'ada@example.com' },
    { email: 'Grace@Example.com ' },
    { email: 'grace@example.com' },
    { email: 'opted@example.com', emailOptOut: true },
    { email: null },
    { email: 'not-an-address' },
    { email: 'gone@example.com' },
    { email: 'unsub@example.com' },
    { email: 'bounced@example.com' },
    { email: 'removed@example.com' }
  ])
  const [, grace, , , , , gone, unsub, bounced, removed] = memberIds as string[]
  const [goneMember] = await db.select({ leadId: campaignMembers.leadId }).from(campaignMembers)
    .where(eq(campaignMembers.id, gone as string))
  await db.update(leads).set({ deletedAt: new Date() }).where(eq(leads.id, goneMember?.leadId as string))
  await db.update(campaignMembers).set({ status: 'unsubscribed' }).where(eq(campaignMembers.id, unsub as string))
  await db.update(campaignMembers).set({ status: 'bounced' }).where(eq(campaignMembers.id, bounced as string))
  await db.update(campaignMembers).set({ deletedAt: new Date() }).where(eq(campaignMembers.id, removed as string))
  const contact = await createContact(ws, { email: 'Carol@Example.com' })
  await addMember(ws, campaign.id, { contactId: contact.id })

  const res = await send(ws, campaign.id)
  t.equal(res.statusCode, 202, res.body)
  const job = res.json()
  t.equal(res.headers.location, `/v1/jobs/${job.id}`)
  t.match(job, { type: 'campaign.send', status: 'queued', result: null, runAt: null })
  const skipped = { optedOut: 3, invalid: 3, duplicate: 1 }
  t.same(job.progress, { total: 3, pending: 3, sent: 0, bounced: 0, failed: 0, optedOutLater: 0, skipped })

  const rows = await sendRows(db, campaign.id)
  t.same(rows.map((r) => r.email).sort(), ['ada@example.com', 'carol@example.com', 'grace@example.com'],
    'addresses lower-cased and trimmed, one each')
  t.equal(rows.find((r) => r.email === 'grace@example.com')?.memberId, grace, 'the earliest member of an address')
  t.ok(rows.every((r) => r.status === 'pending' && r.attempts === 0 && r.workspaceId === ws.workspaceId))

  const after = await getCampaign(ws, campaign.id)
  t.match(after, { sendStatus: 'sending', sendSkipped: skipped, sendJobId: job.id, version: 2 })
  t.equal(after.sendStartedAt, null, 'no worker has started')
  t.equal(after.sendFinishedAt, null)
  t.ok(Math.abs(Date.parse(after.sendAt) - Date.now()) < 60_000, 'sendAt is now')
  const recorded = await jobRow(db, job.id)
  t.ok(recorded?.enqueuedAt, 'dispatched after the commit')
  t.same(recorded?.payload, { workspaceId: ws.workspaceId, campaignId: campaign.id })
  const queued = await app.deps.queues.get('campaigns').getJob(job.id)
  t.equal(queued?.name, 'campaign.send', 'the BullMQ job id is the job record id')

  const polled = await ws.request({ method: 'GET', url: `/v1/jobs/${job.id}` })
  t.same(polled.json().progress, job.progress, 'GET /v1/jobs shows the counts')

  const again = await send(ws, campaign.id, {})
  const problem = assertFullProblem(t, again, 409, 'CRM_CAMPAIGN_SEND_STATE')
  t.match(problem.detail, /is already sending/)
  t.equal((await sendRows(db, campaign.id)).length, 3, 'nothing recorded twice')
})

t.test('a future sendAt schedules the send; a past one sends now', async (t) => {
  const ws = await createWorkspace(app)
  const later = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, later.id, people(2))
  const sendAt = new Date(Date.now() + 3_600_000).toISOString()
  const res = await send(ws, later.id, { sendAt })
  t.equal(res.statusCode, 202, res.body)
  t.equal(res.json().runAt, sendAt)
  t.match(await getCampaign(ws, later.id), { sendStatus: 'scheduled', sendAt })
  const queued = await app.deps.queues.get('campaigns').getJob(res.json().id)
  t.equal(await queued?.getState(), 'delayed', 'waits in BullMQ until sendAt')

  const now = await createSendableCampaign(ws)
  const past = await send(ws, now.id, { sendAt: '2020-01-01T00:00:00.000Z' })
  t.equal(past.statusCode, 202, past.body)
  t.equal(past.json().runAt, null)
  t.match(await getCampaign(ws, now.id), { sendStatus: 'sending', sendAt: '2020-01-01T00:00:00.000Z' })

  const bad = await send(ws, now.id, { sendAt: 'tomorrow' })
  assertProblem(t, bad, 400, 'CRM_VALIDATION_ERROR')
  const unknown = await send(ws, now.id, { sendAt: sendAt, audience: 'all' })
  assertProblem(t, unknown, 400, 'CRM_VALIDATION_ERROR')
})

t.test('refuses a campaign that is not an email campaign with a complete message', async (t) => {
  const ws = await createWorkspace(app)
  const webinar = await createCampaign(ws, { type: 'webinar' })
  const res = await send(ws, webinar.id)
  const problem = assertFullProblem(t, res, 422, 'CRM_CAMPAIGN_NOT_SENDABLE')
  t.same(problem.errors, [
    { pointer: '/type', message: 'is webinar, not email' },
    { pointer: '/subject', message: 'is empty' },
    { pointer: '/fromEmail', message: 'is empty' },
    { pointer: '/htmlBody', message: 'is empty, and so is textBody' }
  ])
  const textOnly = await createSendableCampaign(ws, { htmlBody: null })
  t.equal((await send(ws, textOnly.id)).statusCode, 202, 'a text body alone is enough')
  const noFrom = await createSendableCampaign(ws, { fromEmail: null })
  t.same(assertProblem(t, await send(ws, noFrom.id), 422, 'CRM_CAMPAIGN_NOT_SENDABLE').errors,
    [{ pointer: '/fromEmail', message: 'is empty' }])
  t.equal((await getCampaign(ws, noFrom.id)).sendStatus, null, 'nothing changed')
  t.equal((await sendRows(db, noFrom.id)).length, 0)
})

t.test('replays a send with the same Idempotency-Key and records it once', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(3))
  const headers = { 'idempotency-key': `send-${campaign.id}` }
  const first = await send(ws, campaign.id, {}, headers)
  t.equal(first.statusCode, 202, first.body)
  const replay = await send(ws, campaign.id, {}, headers)
  t.equal(replay.statusCode, 202)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.headers.location, first.headers.location)
  t.same(replay.json(), first.json())
  t.equal((await sendRows(db, campaign.id)).length, 3)
  const other = await send(ws, campaign.id, { sendAt: '2030-01-01T00:00:00.000Z' }, headers)
  assertProblem(t, other, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
})

t.test('pauses and resumes a send, and refuses the moves its state does not allow', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(2))
  assertFullProblem(t, await action(ws, campaign.id, 'pause'), 409, 'CRM_CAMPAIGN_SEND_STATE')
  const resumeNever = assertProblem(t, await action(ws, campaign.id, 'resume'), 409, 'CRM_CAMPAIGN_SEND_STATE')
  t.match(resumeNever.detail, /was never sent; it cannot be resumed/)

  const first = (await send(ws, campaign.id)).json()
  const paused = await action(ws, campaign.id, 'pause')
  t.equal(paused.statusCode, 200, paused.body)
  t.match(paused.json(), { id: campaign.id, sendStatus: 'paused', sendJobId: first.id })
  t.equal(paused.headers.etag, `"${paused.json().version}"`)
  const twice = await action(ws, campaign.id, 'pause')
  t.equal(twice.statusCode, 200)
  t.equal(twice.json().version, paused.json().version, 'pausing a paused send changes nothing')
  assertProblem(t, await send(ws, campaign.id), 409, 'CRM_CAMPAIGN_SEND_STATE')

  const resumed = await action(ws, campaign.id, 'resume')
  t.equal(resumed.statusCode, 202, resumed.body)
  const job = resumed.json()
  t.not(job.id, first.id, 'a new job')
  t.equal(resumed.headers.location, `/v1/jobs/${job.id}`)
  t.match(job.progress, { total: 2, pending: 2 })
  t.match(await getCampaign(ws, campaign.id), { sendStatus: 'sending', sendJobId: job.id })
  const again = assertProblem(t, await action(ws, campaign.id, 'resume'), 409, 'CRM_CAMPAIGN_SEND_STATE')
  t.match(again.detail, /is sending; it cannot be resumed/)

  const scheduled = await createSendableCampaign(ws)
  const sendAt = new Date(Date.now() + 3_600_000).toISOString()
  await send(ws, scheduled.id, { sendAt })
  t.equal((await action(ws, scheduled.id, 'pause')).json().sendStatus, 'paused')
  const back = await action(ws, scheduled.id, 'resume')
  t.equal(back.json().runAt, sendAt, 'still waits for its sendAt')
  t.equal((await getCampaign(ws, scheduled.id)).sendStatus, 'scheduled')
})

t.test('a campaign of another workspace does not exist for the send routes', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const theirs = await createSendableCampaign(other)
  await seedLeadMembers(db, other.workspaceId, theirs.id, people(1))
  for (const id of [theirs.id, NEVER_USED]) {
    assertFullProblem(t, await send(ws, id), 404, 'CRM_CAMPAIGN_NOT_FOUND')
    assertFullProblem(t, await action(ws, id, 'pause'), 404, 'CRM_CAMPAIGN_NOT_FOUND')
    assertFullProblem(t, await action(ws, id, 'resume'), 404, 'CRM_CAMPAIGN_NOT_FOUND')
    assertFullProblem(t, await testSend(ws, id, { to: 'me@example.com' }), 404, 'CRM_CAMPAIGN_NOT_FOUND')
  }
  t.equal((await sendRows(db, theirs.id)).length, 0, 'nothing was recorded for them')
  t.equal(sink.messages.filter((m) => m.to.includes('me@example.com')).length, 0)

  const mine = await createSendableCampaign(ws)
  const [theirMember] = await seedLeadMembers(db, other.workspaceId, theirs.id, people(1, 'theirs'))
  const foreign = await testSend(ws, mine.id, { to: 'me@example.com', memberId: theirMember })
  assertFullProblem(t, foreign, 404, 'CRM_CAMPAIGN_MEMBER_NOT_FOUND')

  const reader = await createUser(app, ws, 'readonly')
  assertProblem(t, await send(reader, mine.id), 403, 'CRM_FORBIDDEN')
  assertProblem(t, await testSend(reader, mine.id, { to: 'me@example.com' }), 403, 'CRM_FORBIDDEN')
  const marketer = await createUser(app, ws, 'marketing')
  t.equal((await testSend(marketer, mine.id, { to: 'me@example.com' })).statusCode, 200)
})

t.test('refuses unknown merge fields when a campaign is saved, naming the field', async (t) => {
  const ws = await createWorkspace(app)
  const created = await ws.request({
    method: 'POST',
    url: '/v1/campaigns',
    payload: { ...SENDABLE, name: 'Typo', subject: 'Hi {{first_name}}', htmlBody: '<p>{{account.nam}}</p>' }
  })
  const problem = assertFullProblem(t, created, 422, 'CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN')
  t.same(problem.errors, [
    { pointer: '/subject', message: 'unknown merge field {{first_name}}' },
    { pointer: '/htmlBody', message: 'unknown merge field {{account.nam}}' }
  ])
  t.match(problem.detail, /subject holds an unknown merge field \{\{first_name\}\}/)

  const campaign = await createSendableCampaign(ws, {
    subject: '{{ firstName }}, {{campaign.name}}',
    htmlBody: '{{fullName}} {{email}} {{title}} {{phone}} {{department}} {{industry}} {{website}}',
    textBody: '{{account.name}} {{account.website}} {{account.industry}} {{unsubscribeUrl}}',
    sendRatePerSecond: 7
  })
  t.equal(campaign.sendRatePerSecond, 7, 'every documented field is accepted; the rate is writable')
  const patched = await ws.request({
    method: 'PATCH', url: `/v1/campaigns/${campaign.id}`, payload: { textBody: 'Bye {{ nickname }}' }
  })
  t.same(assertProblem(t, patched, 422, 'CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN').errors,
    [{ pointer: '/textBody', message: 'unknown merge field {{ nickname }}' }])
  t.equal((await getCampaign(ws, campaign.id)).version, 1, 'nothing changed')

  for (const field of ['sendStatus', 'sendSkipped', 'sendJobId', 'sendStartedAt']) {
    const res = await ws.request({ method: 'PATCH', url: `/v1/campaigns/${campaign.id}`, payload: { [field]: null } })
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
  }
  const tooFast = await ws.request({
    method: 'PATCH', url: `/v1/campaigns/${campaign.id}`, payload: { sendRatePerSecond: 0 }
  })
  assertProblem(t, tooFast, 400, 'CRM_VALIDATION_ERROR')
})

t.test('sends a rendered test copy now, with sample values or a member\'s', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, {
    name: 'Launch & <Co>',
    htmlBody: '<p>Dear {{firstName}} of {{company}}</p><a href="{{unsubscribeUrl}}">out</a> {{campaign.name}}'
  })
  const lead = await createLead(ws, { firstName: '<Bob>', lastName: 'Tables', email: 'bob@example.com', company: 'X&Y' })
  const member = await addMember(ws, campaign.id, { leadId: lead.id })

  const sample = await testSend(ws, campaign.id, { to: 'Review@Example.com' })
  t.equal(sample.statusCode, 200, sample.body)
  const body = sample.json()
  t.match(body, { to: 'Review@Example.com', subject: '[Test] Hello Ada', transport: 'smtp' })
  t.match(body.messageId, new RegExp(`^<test\\.${campaign.id}\\.[0-9a-f-]{36}@acme\\.example>$`))
  const sampled = sink.messages.find((m) => m.headers['message-id'] === body.messageId)
  t.ok(sampled, 'the sink got it')
  t.same(sampled?.to, ['review@example.com'])
  t.equal(sampled?.headers.subject, '[Test] Hello Ada')
  t.equal(sampled?.headers.from, 'Acme Marketing <news@acme.example>')
  t.equal(sampled?.headers['reply-to'], 'sales@acme.example')
  t.match(sampled?.raw, /Dear Ada of Analytical Engines Ltd/)
  t.match(sampled?.raw, /href=3D"#unsubscribe"|href="#unsubscribe"/, 'a placeholder unsubscribe link')
  t.match(sampled?.raw, /Launch &amp; &lt;Co&gt;/, 'values are escaped in HTML')
  t.notMatch(sampled?.raw ?? '', /\/v1\/(tracking|unsubscribe)\//, 'no tracking')
  t.equal(sampled?.headers['list-unsubscribe'], undefined)

  const personal = await testSend(ws, campaign.id, { to: 'review@example.com', memberId: member.id })
  t.equal(personal.statusCode, 200, personal.body)
  const copy = sink.messages.find((m) => m.headers['message-id'] === personal.json().messageId)
  t.equal(copy?.headers.subject, '[Test] Hello <Bob>', 'the subject takes the value as it is')
  t.match(copy?.raw, /Dear &lt;Bob&gt; of X&amp;Y/)
  t.match(await getCampaign(ws, campaign.id), { sendStatus: null, version: 1 }, 'the campaign did not change')
  const [row] = await db.select().from(campaignMembers).where(and(eq(campaignMembers.id, member.id)))
  t.match(row, { status: 'targeted', sentAt: null, version: 1 }, 'nor did the member')

  const refused = await testSend(ws, campaign.id, { to: 'refuse@example.com' })
  const problem = assertFullProblem(t, refused, 502, 'CRM_CAMPAIGN_TEST_SEND_FAILED')
  t.equal(problem.detail, 'the mail server refused the message (550)')
  assertProblem(t, await testSend(ws, campaign.id, { to: 'nobody' }), 400, 'CRM_VALIDATION_ERROR')
  const incomplete = await createSendableCampaign(ws, { subject: null })
  assertProblem(t, await testSend(ws, incomplete.id, { to: 'a@example.com' }), 422, 'CRM_CAMPAIGN_NOT_SENDABLE')
})

t.test('without SMTP_URL, a test copy is written as an .eml file under DATA_DIR/mail', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-eml-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const deps = isolatedDeps(t, app.deps, { SMTP_URL: undefined, DATA_DIR: dataDir })
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  const copy = await testSendCampaign(deps, tenantOf(ws), campaign.id, { to: 'eml@example.com' })
  t.equal(copy.transport, 'eml')
  const files = await readdir(join(dataDir, 'mail'))
  const name = `${copy.messageId.slice(1, -1)}.eml`
  t.same(files, [name], 'named after the Message-ID')
  const eml = await readFile(join(dataDir, 'mail', name), 'utf8')
  t.match(eml, /^Content-Type: multipart\/alternative/m)
  t.match(eml, /\r\nTo: eml@example\.com\r\n/, 'CRLF line ends')
  t.match(eml, /Subject: \[Test\] Hello Ada/)
  t.match(eml, new RegExp(`Message-ID:\\s+${copy.messageId.replaceAll('.', '\\.')}`))
})

t.test('the recovery sweep continues a send whose job BullMQ failed behind its processor', async (t) => {
  // A queue prefix of its own, so the fake worker below sees only this job.
  const deps = isolatedDeps(t, app.deps)
  const queue = deps.queues.get('campaigns')
  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws)
  await seedLeadMembers(db, ws.workspaceId, campaign.id, people(2))
  const first = await startSend(deps, tenantOf(ws), campaign.id, null)

  // What BullMQ's stall check does to a job whose worker died twice: fail it,
  // without the processor (and so the job record) ever knowing.
  const failOnce = async () => {
    const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null })
    const worker = new Worker('campaigns', async () => {
      throw new UnrecoverableError('job stalled more than allowable limit')
    }, { connection, prefix: deps.queues.prefix })
    await new Promise((resolve) => worker.once('failed', resolve))
    await worker.close()
    await connection.quit()
  }
  await failOnce()
  t.equal(await (await queue.getJob(first.id))?.getState(), 'failed')
  t.equal((await jobRow(db, first.id))?.status, 'queued', 'its record never heard of it')

  t.equal(await recoverSends(deps, deps.logger), 1, 'one send continued')
  const after = await getCampaign(ws, campaign.id)
  t.equal(after.sendStatus, 'sending')
  t.not(after.sendJobId, first.id, 'by a new job')
  t.match(await jobRow(db, first.id), {
    status: 'failed', error: `its worker stopped; job ${after.sendJobId} continues the send`
  })
  t.match(await jobRow(db, after.sendJobId), { status: 'queued', progress: { total: 2, pending: 2 } })
  t.equal(await (await queue.getJob(after.sendJobId))?.getState(), 'waiting', 'queued in BullMQ')
  t.equal(await recoverSends(deps, deps.logger), 0, 'a live job is left alone')

  // A job its processor failed for good stays failed; resume restarts it.
  await failOnce()
  await db.update(jobs).set({ status: 'failed', error: 'boom' }).where(eq(jobs.id, after.sendJobId))
  t.equal(await recoverSends(deps, deps.logger), 0, 'not run again behind the user\'s back')
  const resumed = await resumeSend(deps, tenantOf(ws), campaign.id)
  t.match(await getCampaign(ws, campaign.id), { sendStatus: 'sending', sendJobId: resumed.id })
  t.equal(await (await queue.getJob(resumed.id))?.getState(), 'waiting')
})
