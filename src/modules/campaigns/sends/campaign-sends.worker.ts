import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AppDeps } from '../../../deps.js'
import type { JobContext } from '../../../jobs/registry.js'
import { ShutdownError } from '../../../jobs/shutdown.js'
import { classifyMailError } from '../../../lib/mail/mail.errors.js'
import { type MailTransport, openMailTransport } from '../../../lib/mail/mail.transport.js'
import { markJobProgress } from '../../jobs/jobs.status.js'
import { trackMessage } from '../../tracking/tracking.message.js'
import {
  compileMessage,
  type CompiledMessage,
  renderMessage
} from '../message/campaign-message.render.js'
import {
  type CampaignRow,
  getSendCampaign,
  markSendStarted,
  updateSendState
} from './campaign-sends.campaign.js'
import {
  campaignMail,
  campaignMessageId,
  fillUnsubscribeUrl,
  UNSUBSCRIBE_FIELD
} from './campaign-sends.message.js'
import { type Outcome, OutcomeLog } from './campaign-sends.outcomes.js'
import {
  type ClaimedSend,
  claimSends,
  countSends,
  releaseClaims,
  renewClaims,
  type SendCounts
} from './campaign-sends.queries.js'
import { campaignRateLimiter, type RateLimiter } from './campaign-sends.rate.js'
import { type SendProgress, toProgress } from './campaign-sends.progress.js'
import { type Recipient, sendRecipients } from './campaign-sends.recipients.js'

/** Messages one job keeps in flight at once, over the pooled connections. */
const IN_FLIGHT = 10
const POOL_CONNECTIONS = 5
/** Longest wait between retries of one message. */
const MAX_RETRY_DELAY_MS = 3_600_000
const PROGRESS_EVERY_MS = 1000

export interface SendResult extends SendProgress {
  /**
   * sent: every message settled; paused: stopped by a pause; stopped: the
   * campaign is gone or its send moved on (another job finished it).
   */
  outcome: 'sent' | 'paused' | 'stopped'
}

/** A run of one job over one campaign's send rows. */
interface Run {
  deps: AppDeps
  ctx: JobContext
  workspaceId: string
  campaignId: string
  transport: MailTransport
  limiter: RateLimiter
}

/**
 * The campaign.send job: claims batches of the campaign's send rows and
 * delivers them until none is left, then marks the campaign sent. Stops
 * between batches when the send is paused (the job succeeds; resuming
 * starts a new job) and, on a worker shutdown, after the messages in
 * flight, handing back the rest (ShutdownError: the job runs again).
 * Safe to run twice at once: rows are claimed, never shared.
 */
export async function runCampaignSend (
  deps: AppDeps,
  ctx: JobContext,
  payload: { workspaceId: string, campaignId: string }
): Promise<SendResult> {
  const { workspaceId, campaignId } = payload
  const first = await getSendCampaign(deps.database.db, workspaceId, campaignId)
  if (first === undefined || first.sendStatus === null) {
    ctx.log.warn({ workspaceId, campaignId }, 'campaign send has no campaign to send')
    return { outcome: 'stopped', ...toProgress(emptyCounts(), null) }
  }
  await markSendStarted(deps.database.db, workspaceId, campaignId)
  const run: Run = {
    deps,
    ctx,
    workspaceId,
    campaignId,
    transport: openMailTransport(deps.config, { pool: true, maxConnections: POOL_CONNECTIONS }),
    limiter: campaignRateLimiter(deps.redis, deps.queues.prefix, campaignId)
  }
  try {
    return await sendLoop(run)
  } finally {
    await run.transport.close()
  }
}

async function sendLoop (run: Run): Promise<SendResult> {
  const { deps, ctx, workspaceId, campaignId } = run
  const db = deps.database.db
  const leaseMs = deps.config.SEND_CLAIM_LEASE_MS
  let lastProgress = 0
  for (;;) {
    if (ctx.signal.aborted) throw new ShutdownError()
    const campaign = await getSendCampaign(db, workspaceId, campaignId)
    if (campaign === undefined || campaign.sendStatus !== 'sending') {
      return finish(run, campaign, campaign?.sendStatus === 'paused' ? 'paused' : 'stopped')
    }
    const rate = campaign.sendRatePerSecond ?? deps.config.SEND_RATE_PER_SECOND
    const token = randomUUID()
    const limit = batchSize(rate)
    const batch = await claimSends(db, { workspaceId, campaignId, token, limit, leaseMs })
    if (batch.length > 0) {
      await sendBatch(run, campaign, rate, token, batch)
    } else {
      const counts = await countSends(db, workspaceId, campaignId, leaseMs)
      if (counts.pending + counts.sending === 0) {
        const done = await updateSendState(db, workspaceId, campaignId, ['sending'], {
          sendStatus: 'sent',
          sendFinishedAt: new Date()
        })
        return finish(run, done ?? campaign, done === undefined ? 'stopped' : 'sent', counts)
      }
      // Rows wait for a retry, or for the lease of a dead worker's claim.
      const waitMs = Math.min(Math.max(counts.nextDueInMs ?? 0, 100), 1000)
      await sleep(waitMs, undefined, { signal: ctx.signal }).catch(() => {})
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now()
      const counts = await countSends(db, workspaceId, campaignId, leaseMs)
      await ctx.progress({ ...toProgress(counts, campaign.sendSkipped) })
    }
  }
}

/** Enough for a couple of seconds at the campaign's rate, between 10 and 200 messages. */
const batchSize = (rate: number) => Math.min(200, Math.max(10, rate * 2))

async function finish (
  run: Run,
  campaign: CampaignRow | undefined,
  outcome: SendResult['outcome'],
  known?: SendCounts
): Promise<SendResult> {
  const { deps, ctx, workspaceId, campaignId } = run
  const db = deps.database.db
  const leaseMs = deps.config.SEND_CLAIM_LEASE_MS
  const counts = known ?? await countSends(db, workspaceId, campaignId, leaseMs)
  const progress = toProgress(counts, campaign?.sendSkipped ?? null)
  // The throttled progress may have skipped the last counts; the row shows them.
  await markJobProgress(db, ctx.jobId, { ...progress })
  ctx.log.info({ workspaceId, campaignId, outcome, ...progress }, 'campaign send stopped')
  return { outcome, ...progress }
}

const emptyCounts = (): SendCounts => ({
  total: 0, pending: 0, sending: 0, sent: 0, bounced: 0, failed: 0, skipped: 0, nextDueInMs: null
})

/**
 * Delivers one claimed batch: IN_FLIGHT lanes take the next message, wait
 * for the campaign's rate limit, render, track and send it, and log the
 * outcome. The claim is renewed while the batch lasts (a slow server must
 * not make it look abandoned); a message whose claim another worker took
 * over anyway is left to it. On a pause, shutdown or failure the messages
 * not started are handed back at once.
 */
async function sendBatch (
  run: Run,
  campaign: CampaignRow,
  rate: number,
  token: string,
  batch: ClaimedSend[]
) {
  const { deps, ctx, workspaceId } = run
  const db = deps.database.db
  const recipients = await sendRecipients(db, workspaceId, campaign.name, batch.map((r) => r.id))
  const compiled = compileMessage(campaign)
  const waiting = [...batch]
  /** Claimed and not yet recorded: what a renewal keeps. */
  const unsettled = new Set(batch.map((r) => r.id))
  /** Not started and still ours. */
  const held = new Set(unsettled)
  const log = new OutcomeLog(db, workspaceId, token, (ids) => {
    for (const id of ids) unsettled.delete(id)
  })
  const renewal = keepClaims(run, token, unsettled, held)
  let failure: unknown
  const stopping = () => ctx.signal.aborted || failure !== undefined

  const lane = async () => {
    for (let row = waiting.shift(); row !== undefined; row = waiting.shift()) {
      if (stopping()) return
      if (!held.has(row.id)) continue
      await run.limiter.acquire(rate, ctx.signal)
      if (stopping()) return
      held.delete(row.id)
      await log.add(await deliver(run, campaign, compiled, recipients.get(row.id), row))
    }
  }
  try {
    const lanes = Array.from({ length: Math.min(IN_FLIGHT, batch.length) }, () =>
      lane().catch((err) => { failure ??= err }))
    await Promise.all(lanes)
    await log.flush().catch((err) => { failure ??= err })
  } finally {
    await renewal.stop()
  }
  await releaseClaims(db, workspaceId, token, [...held]).catch(() => {})
  if (failure !== undefined) throw failure
  if (ctx.signal.aborted) throw new ShutdownError()
}

/**
 * Renews the claim on the unsettled rows every third of the lease (two
 * renewals can fail before a claim runs out); a row another worker took
 * over leaves `held`.
 */
function keepClaims (run: Run, token: string, unsettled: Set<string>, held: Set<string>) {
  const { deps, ctx, workspaceId } = run
  let renewing: Promise<void> | undefined
  const timer = setInterval(() => {
    renewing ??= renewClaims(deps.database.db, workspaceId, [...unsettled], token)
      .then((kept) => { for (const id of held) if (!kept.has(id)) held.delete(id) })
      .catch((err) => { ctx.log.warn({ err, workspaceId }, 'campaign send claim renewal failed') })
      .finally(() => { renewing = undefined })
  }, Math.max(100, Math.floor(deps.config.SEND_CLAIM_LEASE_MS / 3)))
  return {
    async stop () {
      clearInterval(timer)
      await renewing
    }
  }
}

/** Sends one message; answers how to record it. Never throws for a mail failure. */
async function deliver (
  run: Run,
  campaign: CampaignRow,
  compiled: CompiledMessage,
  recipient: Recipient | undefined,
  row: ClaimedSend
): Promise<Outcome> {
  if (recipient === undefined || !recipient.isReachable) return (o) => o.skipped.push(row.id)
  const { deps, workspaceId, campaignId } = run
  // The tracking step puts the signed link where the field stands.
  const values = { ...recipient.values, unsubscribeUrl: UNSUBSCRIBE_FIELD }
  const rendered = renderMessage(compiled, values)
  const tracked = await Promise.resolve(trackMessage(
    deps,
    { workspaceId, campaignId, memberId: row.memberId, sendId: row.id },
    { html: rendered.html, text: rendered.text }
  ))
  const message = fillUnsubscribeUrl(rendered.subject, tracked)
  const messageId = campaignMessageId(campaign, row.id)
  const mail = campaignMail(campaign, row.email, message, {
    messageId,
    headers: tracked.headers
  })
  try {
    await run.transport.send(mail)
    return (o) => o.sent.push({ id: row.id, messageId })
  } catch (err) {
    const failure = classifyMailError(err)
    const fields = {
      workspaceId, campaignId, sendId: row.id, attempt: row.attempts, responseCode: failure.responseCode
    }
    if (failure.isPermanent) {
      run.ctx.log.info(fields, 'campaign message bounced')
      return (o) => o.bounced.push({ id: row.id, messageId, error: failure.message })
    }
    if (row.attempts >= deps.config.SEND_MAX_ATTEMPTS) {
      run.ctx.log.warn(fields, 'campaign message failed')
      return (o) => o.failed.push({ id: row.id, messageId, error: failure.message })
    }
    const backoff = deps.config.SEND_RETRY_DELAY_MS * 2 ** (row.attempts - 1)
    const retryInMs = Math.min(backoff, MAX_RETRY_DELAY_MS)
    run.ctx.log.warn({ ...fields, retryInMs }, 'campaign message deferred')
    return (o) => o.retry.push({ id: row.id, error: failure.message, retryInMs })
  }
}
