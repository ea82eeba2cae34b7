import { Type } from 'typebox'
import type { JobDefinition } from '../../../jobs/registry.js'
import { recoverSends } from './campaign-sends.recover.js'
import { SEND_JOB } from './campaign-sends.service.js'
import { runCampaignSend } from './campaign-sends.worker.js'

const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
})

export const SendPayloadSchema = Type.Object(
  { workspaceId: Uuid, campaignId: Uuid },
  { additionalProperties: false }
)

/** Delivers a campaign's recorded send rows (campaign-sends.worker.ts). */
const sendCampaign: JobDefinition = {
  name: SEND_JOB,
  queue: 'campaigns',
  payload: SendPayloadSchema,
  process: (payload, ctx) =>
    runCampaignSend(ctx.deps, ctx, payload as { workspaceId: string, campaignId: string })
}

/** Every 5 s, continues sends whose job BullMQ gave up on (campaign-sends.recover.ts). */
const recoverCampaignSends: JobDefinition = {
  name: 'campaign.recover',
  queue: 'campaigns',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'campaign.recover.every-5s', every: 5_000 },
  async process (_payload, { deps, log }) {
    return { recovered: await recoverSends(deps, log) }
  }
}

export const campaignJobs: readonly JobDefinition[] = [sendCampaign, recoverCampaignSends]
