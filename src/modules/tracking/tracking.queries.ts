import { and, eq } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import type { CrmError } from '../../lib/errors.js'
import { getMember, shareCampaign } from '../campaigns/members/campaign-members.queries.js'
import type { MemberRow } from '../campaigns/members/campaign-members.resource.js'
import { campaignMembers } from '../campaigns/members/campaign-members.table.js'
import type { MessageRecipient } from './tracking.tokens.js'

/**
 * The live member a token names, locked FOR UPDATE, after its campaign FOR
 * SHARE (the order the member routes lock in); undefined when the campaign
 * or the member is gone. Every condition carries the token's workspace.
 */
export async function lockTrackedMember (
  tx: Executor,
  recipient: MessageRecipient
): Promise<MemberRow | undefined> {
  const { workspaceId, campaignId, memberId } = recipient
  try {
    await shareCampaign(tx, workspaceId, campaignId)
  } catch (err) {
    if ((err as Partial<CrmError>).statusCode === 404) return undefined
    throw err
  }
  return getMember(tx, workspaceId, campaignId, memberId, true)
}

/**
 * The member a token names even when it was removed since the message was
 * sent: an unsubscribe link must still opt its person out. The members'
 * own queries only see live members, hence the table here.
 */
export async function findSentMember (
  tx: Executor,
  recipient: MessageRecipient
): Promise<MemberRow | undefined> {
  const rows = await tx
    .select()
    .from(campaignMembers)
    .where(and(
      eq(campaignMembers.workspaceId, recipient.workspaceId),
      eq(campaignMembers.campaignId, recipient.campaignId),
      eq(campaignMembers.id, recipient.memberId)
    ))
  return rows[0] as MemberRow | undefined
}
