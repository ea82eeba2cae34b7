import { and, eq, inArray, type SQL } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { matchesSearch } from '../../../db/full-text.js'
import { filterConditions } from '../../../lib/list/filters.js'
import { scoped } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import type { AnyResourceDefinition } from '../../../lib/resource/resource.js'
import type { contacts } from '../../contacts/contacts.table.js'
import type { leads } from '../../leads/leads.table.js'
import { campaignResource } from '../campaigns.resource.js'
import { campaigns } from '../campaigns.table.js'
import { type MemberRow, memberResource } from './campaign-members.resource.js'
import type { PeopleFilter } from './campaign-members.schemas.js'
import { campaignMembers } from './campaign-members.table.js'

/**
 * The live campaign, locked FOR SHARE until the transaction ends: a
 * concurrent delete of the campaign waits, then sees the new members (and
 * refuses), while adds to one campaign still run side by side.
 */
export async function shareCampaign (tx: Executor, workspaceId: string, campaignId: string) {
  const rows = await tx
    .select({ id: campaigns.id, currency: campaigns.currency })
    .from(campaigns)
    .where(scoped(campaigns, workspaceId, eq(campaigns.id, campaignId)))
    .for('share')
  if (rows[0] === undefined) throw notFound(campaignResource, campaignId)
  return rows[0]
}

const ofCampaign = (campaignId: string, memberId: string) =>
  and(eq(campaignMembers.campaignId, campaignId), eq(campaignMembers.id, memberId))

/** The live member of this campaign, or undefined (a member of another campaign too). */
export async function getMember (
  db: Executor,
  workspaceId: string,
  campaignId: string,
  memberId: string,
  lock = false
): Promise<MemberRow | undefined> {
  const query = db
    .select()
    .from(campaignMembers)
    .where(scoped(campaignMembers, workspaceId, ofCampaign(campaignId, memberId)))
  const rows = lock ? await query.for('update') : await query
  return rows[0] as MemberRow | undefined
}

export async function getMemberOrThrow (
  db: Executor,
  workspaceId: string,
  campaignId: string,
  memberId: string,
  lock = false
): Promise<MemberRow> {
  const row = await getMember(db, workspaceId, campaignId, memberId, lock)
  if (row === undefined) throw notFound(memberResource, memberId)
  return row
}

/** The live membership of a person in the campaign, if any. */
export async function findMembership (
  db: Executor,
  workspaceId: string,
  campaignId: string,
  person: { leadId: string } | { contactId: string }
): Promise<{ id: string } | undefined> {
  const column = 'leadId' in person ? campaignMembers.leadId : campaignMembers.contactId
  const id = 'leadId' in person ? person.leadId : person.contactId
  const rows = await db
    .select({ id: campaignMembers.id })
    .from(campaignMembers)
    .where(scoped(
      campaignMembers, workspaceId, eq(campaignMembers.campaignId, campaignId), eq(column, id)
    ))
    .limit(1)
  return rows[0]
}

type PeopleDefinition = Pick<AnyResourceDefinition, 'table' | 'filters' | 'search'>

/**
 * Ids of the live people a list filter selects, at most `limit` of them:
 * the same conditions GET /v1/leads and /v1/contacts build from the filter.
 */
export async function matchingPeople (
  db: Executor,
  def: PeopleDefinition,
  workspaceId: string,
  filter: PeopleFilter,
  limit: number
): Promise<string[]> {
  const conditions: (SQL | undefined)[] = [
    ...filterConditions(def.filters, filter),
    matchesSearch(def.search, filter.q)
  ]
  const rows = await db
    .select({ id: def.table.id })
    .from(def.table)
    .where(scoped(def.table, workspaceId, ...conditions))
    .limit(limit)
  return rows.map((r) => r.id as string)
}

/** Live people among the ids, with their opt-out flag. */
export async function optOutOf (
  db: Executor,
  table: typeof leads | typeof contacts,
  workspaceId: string,
  ids: string[]
): Promise<Map<string, boolean>> {
  if (ids.length === 0) return new Map()
  const rows: { id: string, emailOptOut: boolean }[] = await db
    .select({ id: table.id, emailOptOut: table.emailOptOut })
    .from(table)
    .where(scoped(table, workspaceId, inArray(table.id, ids)))
  return new Map(rows.map((r) => [r.id, r.emailOptOut]))
}
