import type { AppDeps } from '../../deps.js'
import { updateRecord } from '../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../lib/records/tenant.js'
import {
  type MemberRow,
  memberResource,
  optOutPerson
} from '../campaigns/members/campaign-members.resource.js'
import {
  canMove,
  type MemberStatus,
  stepTimeFor
} from '../campaigns/members/campaign-members.status.js'
import { campaignMembers } from '../campaigns/members/campaign-members.table.js'
import { requestLeadScoring } from '../lead-scoring/lead-scoring.enqueue.js'
import { findSentMember, lockTrackedMember } from './tracking.queries.js'
import type { TrackingClaims, TrackingKind } from './tracking.tokens.js'

/** The member status each event moves towards. */
const EVENT_STATUS = {
  open: 'opened',
  click: 'clicked',
  unsubscribe: 'unsubscribed'
} as const satisfies Record<TrackingKind, MemberStatus>

/** Steps an event proves besides its own: whoever clicked has opened the message. */
const IMPLIED: Record<TrackingKind, MemberStatus[]> = { open: [], click: ['opened'], unsubscribe: [] }

/** No user acts here but the person behind the member; nothing records this id. */
const NO_USER = '00000000-0000-0000-0000-000000000000'

const trackingTenant = (workspaceId: string): Tenant =>
  ({ workspaceId, userId: NO_USER, role: 'admin', principal: 'tracking' })

export interface TrackingOutcome {
  /** The member the token names is live. */
  isMember: boolean
  /** The member row changed (so scoring was asked for, when it is a lead). */
  isChanged: boolean
}

/**
 * The member's changes for one event, by the member rules: up the ladder
 * through the members' own prepareUpdate (which also opts the person out
 * on unsubscribed), never down it nor out of an outcome; a step time the
 * event proves is set when still empty even when the status is past it.
 */
async function eventChanges (ctx: WriteContext, member: MemberRow, kind: TrackingKind) {
  const now = new Date()
  const from = member.status as MemberStatus
  const to = EVENT_STATUS[kind]
  const moves = from !== to && canMove(from, to)
  const changes: Record<string, unknown> = moves
    ? await memberResource.prepareUpdate(ctx, member, { status: to })
    : stepTimeFor(to, member, now)
  // An unsubscribe is honoured whatever the member's status (bounced, or
  // unsubscribed before and opted in again since).
  if (!moves && kind === 'unsubscribe') await optOutPerson(ctx, member)
  for (const step of IMPLIED[kind]) {
    Object.assign(changes, stepTimeFor(step, { ...member, ...changes }, now))
  }
  return changes
}

/**
 * Records an open, a click or an unsubscribe of a verified token, in one
 * transaction through the record writer, then asks for the lead to be
 * rescored when the member is a lead and something changed. Repeating an
 * event changes nothing. A token whose campaign or member is gone records
 * nothing, except that an unsubscribe still opts the person out (when the
 * member was only removed from the campaign and the person is live).
 */
export async function recordTrackingEvent (
  deps: AppDeps,
  claims: TrackingClaims
): Promise<TrackingOutcome> {
  const result = await deps.database.db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant: trackingTenant(claims.workspaceId) }
    const member = await lockTrackedMember(tx, claims)
    if (member === undefined) {
      const removed = claims.kind === 'unsubscribe' ? await findSentMember(tx, claims) : undefined
      if (removed !== undefined) await optOutPerson(ctx, removed)
      return { member: undefined, isChanged: false }
    }
    const changes = await eventChanges(ctx, member, claims.kind)
    const after = await updateRecord<MemberRow>(ctx, campaignMembers, member, changes)
    return { member, isChanged: after !== member }
  })

  const leadId = result.member?.leadId ?? null
  if (result.isChanged && leadId !== null) {
    try {
      await requestLeadScoring(deps, claims.workspaceId, [leadId])
    } catch (err) {
      deps.logger.warn({ err, workspaceId: claims.workspaceId, leadId }, 'lead scoring not requested')
    }
  }
  return { isMember: result.member !== undefined, isChanged: result.isChanged }
}
