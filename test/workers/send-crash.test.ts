import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq, sql } from 'drizzle-orm'
import t from 'tap'
import { campaigns } from '../../src/modules/campaigns/campaigns.table.js'
import { campaignSends } from '../../src/modules/campaigns/sends/campaign-sends.table.js'
import { jobs } from '../../src/modules/jobs/jobs.table.js'
import { startSmtpSink } from '../fixtures/smtp-sink.js'
import { createWorkspace } from '../fixtures/workspaces.js'
import { buildTestApp, TEST_JWT_SECRET } from '../helper.js'
import {
  createSendableCampaign,
  jobRow,
  people,
  seedLeadMembers,
  waitFor
} from '../modules/campaigns/sends/send-fixtures.js'

/**
 * The delivery guarantee of campaign sends, with real worker processes
 * (`node --import tsx src/main.ts`, ROLE=worker) killed with SIGKILL at
 * random moments and started again, a real SMTP server that answers
 * slowly (so kills land with messages in flight), and the real Postgres
 * and Redis. Afterwards: every eligible member got the message; no member
 * whose send was recorded before a kill got it again after; duplicates are
 * at most the messages claimed (in flight) at the kills; no job and no row
 * is left unfinished. The seed of the kill schedule is printed; set
 * CRASH_SEED to replay one.
 */

const MEMBERS = 400
const RATE = 40
const WORKERS = 2

const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31)
/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function random () {
  let s = seed
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let r = Math.imul(s ^ (s >>> 15), 1 | s)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

const sink = await startSmtpSink({ delayMs: 40 })
t.teardown(() => sink.close())
const app = await buildTestApp(t, { SMTP_URL: sink.url })
const db = app.deps.db

t.test('every member gets the message through workers killed at random', async (t) => {
  const next = random()
  t.comment(`kill schedule seed ${seed}`)
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-crash-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const env = {
    ...process.env,
    ROLE: 'worker',
    DATABASE_URL: process.env.DATABASE_URL as string,
    REDIS_URL: process.env.REDIS_URL as string,
    QUEUE_PREFIX: app.deps.queues.prefix,
    SMTP_URL: sink.url,
    WORKER_LOCK_MS: '2000',
    SEND_CLAIM_LEASE_MS: '2000',
    DATABASE_POOL_MAX: '3',
    JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_URL: 'http://127.0.0.1:3999',
    DATA_DIR: dataDir,
    // info: the start-up line says when a worker is up (and a failure shows its log)
    LOG_LEVEL: 'info',
    SEED_DEMO: 'false'
  }
  const ready = new WeakMap<ChildProcess, Promise<void>>()
  const start = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    ready.set(child, new Promise<void>((resolve) => {
      let seen = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString()).slice(-4096)
        if (seen.includes('"msg":"workers started"')) resolve()
      })
      child.once('exit', () => resolve())
    }))
    return child
  }
  const exited = (child: ChildProcess) => new Promise<number | string | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode)
    else child.once('exit', (code, signal) => resolve(code ?? signal))
  })
  const procs: ChildProcess[] = Array.from({ length: WORKERS }, start)
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL')
    await Promise.all(procs.map(exited))
  })

  const ws = await createWorkspace(app)
  const campaign = await createSendableCampaign(ws, { sendRatePerSecond: RATE })
  await seedLeadMembers(db, ws.workspaceId, campaign.id, [
    ...people(MEMBERS, 'crash'),
    { email: 'crash0@example.com' },
    { email: 'crash-out@example.com', emailOptOut: true }
  ])
  const res = await ws.request({ method: 'POST', url: `/v1/campaigns/${campaign.id}/send`, payload: {} })
  t.equal(res.statusCode, 202, res.body)

  const isDone = async () => {
    const [row] = await db.select({ sendStatus: campaigns.sendStatus }).from(campaigns)
      .where(eq(campaigns.id, campaign.id))
    return row?.sendStatus === 'sent'
  }
  const rowsIn = async (status: string) => db
    .select({ email: campaignSends.email })
    .from(campaignSends)
    .where(and(eq(campaignSends.campaignId, campaign.id), eq(campaignSends.status, status)))

  /** Per kill: when, the addresses recorded sent just before, and the messages claimed just after. */
  const kills: { at: number, recorded: Set<string>, inFlight: number }[] = []
  const killCount = 3 + Math.floor(next() * 2)
  let sentSoFar = 0
  while (kills.length < killCount && !(await isDone())) {
    // Kill while a worker is sending: once the count has grown, after a random moment.
    const before = sentSoFar
    await waitFor('a worker to send', async () => {
      sentSoFar = (await rowsIn('sent')).length
      return sentSoFar > before + 5 || sentSoFar >= MEMBERS ? true : undefined
    }, 45_000)
    await sleep(next() * 1500)
    const recorded = new Set((await rowsIn('sent')).map((r) => r.email))
    sentSoFar = recorded.size
    const at = Date.now()
    const victims = next() < 0.25 ? procs.map((_, i) => i) : [Math.floor(next() * WORKERS)]
    for (const i of victims) procs[i]?.kill('SIGKILL')
    await Promise.all(victims.map((i) => exited(procs[i] as ChildProcess)))
    const inFlight = (await rowsIn('sending')).length
    kills.push({ at, recorded, inFlight })
    t.comment(`kill ${kills.length}: workers ${victims.join(' and ')} with ${recorded.size} sent, ` +
      `${inFlight} claimed`)
    for (const i of victims) procs[i] = start()
  }
  t.ok(kills.length >= 1, `${kills.length} kills before the send finished`)

  await waitFor('the send to finish', async () => (await isDone()) ? true : undefined, 60_000)
  // A worker killed in the middle of its start-up has no SIGTERM handler yet.
  await Promise.all(procs.map((p) => ready.get(p)))
  for (const p of procs) p.kill('SIGTERM')
  t.same(await Promise.all(procs.map(exited)), procs.map(() => 0), 'the workers left standing stop gracefully')

  const counts = sink.countsByRecipient()
  const eligible = Array.from({ length: MEMBERS }, (_, i) => `crash${i}@example.com`)
  t.same(eligible.filter((e) => (counts.get(e) ?? 0) < 1), [], 'every eligible member received the message')
  t.equal(counts.get('crash-out@example.com'), undefined, 'the opted-out member received nothing')
  t.equal(counts.size, MEMBERS, 'nobody else received anything')

  const resent = kills.flatMap((kill) => sink.messages
    .filter((m) => m.receivedAt > kill.at && m.to.some((to) => kill.recorded.has(to)))
    .map((m) => m.to[0]))
  t.same(resent, [], 'no member recorded as sent before a kill received it again')

  const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0)
  const bound = kills.reduce((sum, kill) => sum + kill.inFlight, 0)
  t.comment(`${duplicates} duplicate deliveries over ${kills.length} kills; ` +
    `${bound} messages were claimed at the kills`)
  t.ok(duplicates <= bound, `duplicates (${duplicates}) ≤ messages in flight at the kills (${bound})`)

  const [final] = await db.select().from(campaigns).where(eq(campaigns.id, campaign.id))
  const finalJob = await jobRow(db, final?.sendJobId as string)
  t.equal(finalJob?.status, 'succeeded', 'the send job succeeded')
  t.match(finalJob?.result, { outcome: 'sent', total: MEMBERS, sent: MEMBERS, pending: 0 })
  const sendJobs = await db.select({ status: jobs.status }).from(jobs)
    .where(and(eq(jobs.workspaceId, ws.workspaceId), eq(jobs.name, 'campaign.send')))
  t.same(sendJobs.filter((j) => j.status === 'queued' || j.status === 'running'), [],
    'no send job is left queued or running')
  const left = await db
    .select({ status: campaignSends.status, n: sql<number>`count(*)::int` })
    .from(campaignSends)
    .where(eq(campaignSends.campaignId, campaign.id))
    .groupBy(campaignSends.status)
  t.same(left, [{ status: 'sent', n: MEMBERS }], 'every row sent, none left claimed or pending')
})
