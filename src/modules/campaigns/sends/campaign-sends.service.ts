import { eq } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import type { AppDeps } from '../../../deps.js'
import type { Tenant } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { lockRecord } from '../../../lib/resource/resource.queries.js'
import { dispatchJobs, type JobRow, recordJob } from '../../jobs/jobs.outbox.js'
import { markJobProgress } from '../../jobs/jobs.status.js'
import { jobs } from '../../jobs/jobs.table.js'
import { campaignResource } from '../campaigns.resource.js'
import { assertKnownMergeFields } from '../message/campaign-message.validation.js'
import { type CampaignRow, type SendStatus, updateSendState } from './campaign-sends.campaign.js'
import { CampaignSendStateError } from './campaign-sends.errors.js'
import { assertSendable } from './campaign-sends.message.js'
import { countSends, insertSendRows } from './campaign-sends.queries.js'
import { toProgress } from './campaign-sends.progress.js'

export const SEND_JOB = 'campaign.send'

type LockedCampaign = CampaignRow & { id: string, version: number }

/** The campaign's sendAt while it is still ahead, else undefined (send now). */
export const futureSendAt = (campaign: CampaignRow) =>
  campaign.sendAt !== null && campaign.sendAt.getTime() > Date.now() ? campaign.sendAt : undefined

async function lockCampaign (tx: Executor, tenant: Tenant, campaignId: string) {
  const row = await lockRecord<LockedCampaign>(tx, campaignResource, tenant.workspaceId, campaignId)
  if (row === undefined) throw notFound(campaignResource, campaignId)
  return row
}

/** Records a campaign.send job in the caller's transaction, its progress set from the rows. */
export async function recordSendJob (
  tx: Executor,
  deps: AppDeps,
  campaign: { workspaceId: string, id: string, sendSkipped: unknown },
  options: { runAt?: Date, createdBy: string | null }
): Promise<JobRow> {
  const job = await recordJob(tx, {
    workspaceId: campaign.workspaceId,
    queue: 'campaigns',
    name: SEND_JOB,
    payload: { workspaceId: campaign.workspaceId, campaignId: campaign.id },
    runAt: options.runAt,
    createdBy: options.createdBy
  })
  const leaseMs = deps.config.SEND_CLAIM_LEASE_MS
  const counts = await countSends(tx, campaign.workspaceId, campaign.id, leaseMs)
  const progress = { ...toProgress(counts, campaign.sendSkipped) }
  await markJobProgress(tx, job.id, progress)
  return { ...job, progress }
}

/**
 * Starts the email delivery of a campaign, in one transaction: checks that
 * it can be sent and never was, records one send row per eligible member
 * (set-based), the skipped counts, the send state (sending, or scheduled
 * for a future `sendAt`) and the job; the job goes to the queue only after
 * the commit (the outbox relay covers a crash in between).
 */
export async function startSend (
  deps: AppDeps,
  tenant: Tenant,
  campaignId: string,
  sendAt: Date | null
): Promise<JobRow> {
  const job = await deps.database.db.transaction(async (tx) => {
    const campaign = await lockCampaign(tx, tenant, campaignId)
    assertSendable(campaign)
    assertKnownMergeFields(campaign)
    if (campaign.sendStatus !== null) {
      const detail = `campaign ${campaignId} is already ${campaign.sendStatus}; a campaign is sent once`
      throw new CampaignSendStateError(detail)
    }
    const isScheduled = sendAt !== null && sendAt.getTime() > Date.now()
    const { skipped } = await insertSendRows(tx, tenant.workspaceId, campaignId)
    const job = await recordSendJob(tx, deps, { ...campaign, sendSkipped: skipped }, {
      runAt: isScheduled ? sendAt : undefined,
      createdBy: tenant.userId
    })
    await updateSendState(tx, tenant.workspaceId, campaignId, [null], {
      sendStatus: isScheduled ? 'scheduled' : 'sending',
      sendAt: sendAt ?? new Date(),
      sendStartedAt: null,
      sendFinishedAt: null,
      sendSkipped: skipped,
      sendJobId: job.id
    })
    return job
  })
  await dispatchJobs(deps, [job])
  return job
}

/**
 * Pauses a scheduled or running send: workers stop after the batch in
 * hand. Pausing a paused send changes nothing; a send that is not under
 * way answers 409.
 */
export async function pauseSend (
  deps: AppDeps,
  tenant: Tenant,
  campaignId: string
): Promise<CampaignRow> {
  return deps.database.db.transaction(async (tx) => {
    const campaign = await lockCampaign(tx, tenant, campaignId)
    if (campaign.sendStatus === 'paused') return campaign
    const underWay: SendStatus[] = ['sending', 'scheduled']
    const paused = await updateSendState(tx, tenant.workspaceId, campaignId, underWay, {
      sendStatus: 'paused'
    })
    if (paused === undefined) throw notUnderWay(campaign, 'paused')
    return paused
  })
}

function notUnderWay (campaign: CampaignRow, verb: string) {
  const state = campaign.sendStatus === null ? 'was never sent' : `is ${campaign.sendStatus}`
  return new CampaignSendStateError(`campaign ${campaign.id} ${state}; it cannot be ${verb}`)
}

/** Whether the campaign's send job ended (succeeded or failed): its send is not moving. */
async function hasEndedJob (tx: Executor, campaign: CampaignRow) {
  if (campaign.sendJobId === null) return true
  const [job] = await tx
    .select({ status: jobs.status })
    .from(jobs)
    .where(eq(jobs.id, campaign.sendJobId))
  return job === undefined || job.status === 'succeeded' || job.status === 'failed'
}

/**
 * Resumes a paused send with a new job: sending again, or scheduled when
 * its sendAt is still ahead. Also restarts a send that is under way but
 * whose job ended (failed after its attempts). Anything else is a 409.
 */
export async function resumeSend (
  deps: AppDeps,
  tenant: Tenant,
  campaignId: string
): Promise<JobRow> {
  const job = await deps.database.db.transaction(async (tx) => {
    const campaign = await lockCampaign(tx, tenant, campaignId)
    const from: SendStatus[] = ['paused']
    const isStuck = (campaign.sendStatus === 'sending' || campaign.sendStatus === 'scheduled') &&
      await hasEndedJob(tx, campaign)
    if (campaign.sendStatus !== 'paused' && !isStuck) throw notUnderWay(campaign, 'resumed')
    if (isStuck) from.push(campaign.sendStatus as SendStatus)
    const runAt = futureSendAt(campaign)
    const job = await recordSendJob(tx, deps, campaign, { runAt, createdBy: tenant.userId })
    await updateSendState(tx, tenant.workspaceId, campaignId, from, {
      sendStatus: runAt === undefined ? 'sending' : 'scheduled',
      sendFinishedAt: null,
      sendJobId: job.id
    })
    return job
  })
  await dispatchJobs(deps, [job])
  return job
}
