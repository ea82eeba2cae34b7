import { and, eq } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { AppDeps } from '../../../deps.js'
import { dispatchJobs, type JobRow } from '../../jobs/jobs.outbox.js'
import { markJobFinished } from '../../jobs/jobs.status.js'
import { jobs } from '../../jobs/jobs.table.js'
import { activeSends, getSendCampaign, updateSendState } from './campaign-sends.campaign.js'
import { futureSendAt, recordSendJob } from './campaign-sends.service.js'

const PAGE = 500

/** BullMQ states in which a job will still run. */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'])

/**
 * Keeps every send moving. BullMQ fails a job whose worker died more than
 * its stall limit allows (a worker killed twice mid-send), without its
 * processor ever knowing; and a job may end while its send is still due (a
 * scheduled send run early). For each campaign sending or scheduled whose
 * job sits in this queue failed that way, or completed, the old job's
 * record is closed and a new job continues the send where the rows say it
 * stopped. A job whose processor failed for good stays failed (resume it).
 *
 * A job gone from this queue altogether (a flushed Redis) is judged by its
 * row, and only when the row was handed to this process's queue prefix,
 * the one this deployment uses: while the row is unfinished, jobs.requeue
 * puts the job back under its id and the send goes on there; once the row
 * succeeded (the job completed and was removed), the send is continued
 * here as for a completed job. A job of another prefix is never touched.
 */
export async function recoverSends (deps: AppDeps, log: Logger): Promise<number> {
  const db = deps.database.db
  const queue = deps.queues.get('campaigns')
  let recovered = 0
  let afterId: string | null = null
  for (;;) {
    const page = await activeSends(db, afterId, PAGE)
    for (const campaign of page) {
      const jobId = campaign.sendJobId as string
      const job = await queue.getJob(jobId)
      const state = job !== undefined
        ? await job.getState()
        : await removedState(deps, campaign.workspaceId, jobId)
      if (state === undefined || LIVE_STATES.has(state)) continue
      const next = await continueSend(deps, campaign.workspaceId, campaign.id, jobId)
      if (next === undefined) continue
      const fields = { workspaceId: campaign.workspaceId, campaignId: campaign.id, jobId: next.id }
      log.warn({ ...fields, state }, 'campaign send continued by a new job')
      recovered++
    }
    if (page.length < PAGE) return recovered
    afterId = page.at(-1)?.id ?? null
  }
}

/** 'removed' for a job gone from this queue whose row succeeded on this prefix; else undefined (not ours to judge). */
async function removedState (deps: AppDeps, workspaceId: string, jobId: string): Promise<'removed' | undefined> {
  const [row] = await deps.database.db
    .select({ status: jobs.status, queuePrefix: jobs.queuePrefix })
    .from(jobs)
    .where(and(eq(jobs.workspaceId, workspaceId), eq(jobs.id, jobId)))
  return row?.status === 'succeeded' && row.queuePrefix === deps.queues.prefix ? 'removed' : undefined
}

async function continueSend (
  deps: AppDeps,
  workspaceId: string,
  campaignId: string,
  oldJobId: string
): Promise<JobRow | undefined> {
  const db = deps.database.db
  const next = await db.transaction(async (tx) => {
    const campaign = await getSendCampaign(tx, workspaceId, campaignId)
    if (campaign === undefined || campaign.sendJobId !== oldJobId) return undefined
    const [old] = await tx
      .select({ createdBy: jobs.createdBy })
      .from(jobs)
      .where(eq(jobs.id, oldJobId))
    const job = await recordSendJob(tx, deps, campaign, {
      runAt: futureSendAt(campaign),
      createdBy: old?.createdBy ?? null
    })
    const moved = await updateSendState(tx, workspaceId, campaignId, ['sending', 'scheduled'], {
      sendJobId: job.id
    }, oldJobId)
    if (moved === undefined) throw new Skip()
    return job
  }).catch((err) => {
    if (err instanceof Skip) return undefined
    throw err
  })
  if (next === undefined) return undefined
  // Still "running" when BullMQ gave up on it behind its processor's back.
  const [old] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, oldJobId))
  if (old !== undefined && old.status !== 'succeeded' && old.status !== 'failed') {
    await markJobFinished(db, oldJobId, {
      status: 'failed',
      error: `its worker stopped; job ${next.id} continues the send`
    })
  }
  await dispatchJobs(deps, [next])
  return next
}

/** Rolls the recovery transaction back: another process moved the send first. */
class Skip extends Error {}
