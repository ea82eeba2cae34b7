import { inArray, sql, type SQL } from 'drizzle-orm'
import { unionAll } from 'drizzle-orm/pg-core'
import type { Executor } from '../../../db/pool.js'
import { scoped } from '../../../lib/records/tenant.js'
import { contacts, contactsSearch } from '../../contacts/contacts.table.js'
import { leads, leadsSearch } from '../../leads/leads.table.js'
import type { MemberRow, MemberView } from './campaign-members.resource.js'
import { campaignMembers } from './campaign-members.table.js'

/**
 * The person behind a member, a lead or a contact. Conditions here are
 * correlated with the campaign_members row of the outer query and compare
 * its workspace, so they never reach a person of another workspace.
 */

export interface Person {
  firstName: string | null
  lastName: string | null
  email: string | null
  emailOptOut: boolean
}

/** The member's person is live and takes email: it may be emailed. */
const reachable = sql`(
  exists (
    select 1 from ${leads}
    where ${leads.workspaceId} = ${campaignMembers.workspaceId}
      and ${leads.id} = ${campaignMembers.leadId}
      and ${leads.deletedAt} is null and not ${leads.emailOptOut}
  ) or exists (
    select 1 from ${contacts}
    where ${contacts.workspaceId} = ${campaignMembers.workspaceId}
      and ${contacts.id} = ${campaignMembers.contactId}
      and ${contacts.deletedAt} is null and not ${contacts.emailOptOut}
  )
)`

/**
 * Opted out: the person set emailOptOut, or no longer exists. A deleted
 * person counts as opted out so that nothing emails it.
 */
export const isOptedOut = (value: boolean): SQL =>
  value ? sql`not ${reachable}` : reachable

/** The person's search document (the same expressions the GIN indexes hold). */
export const personSearch = sql`coalesce(
  (
    select ${leadsSearch(leads)} from ${leads}
    where ${leads.workspaceId} = ${campaignMembers.workspaceId}
      and ${leads.id} = ${campaignMembers.leadId} and ${leads.deletedAt} is null
  ),
  (
    select ${contactsSearch(contacts)} from ${contacts}
    where ${contacts.workspaceId} = ${campaignMembers.workspaceId}
      and ${contacts.id} = ${campaignMembers.contactId} and ${contacts.deletedAt} is null
  )
)`

const personColumns = <T extends typeof leads | typeof contacts>(t: T) => ({
  id: t.id,
  firstName: t.firstName,
  lastName: t.lastName,
  email: t.email,
  emailOptOut: t.emailOptOut
})

/**
 * The live people among the ids, by id, in one query for a whole page.
 * Lead and contact ids are random UUIDs, so one map holds both.
 */
export async function livePeople (
  db: Executor,
  workspaceId: string,
  ids: { leadIds: string[], contactIds: string[] }
): Promise<Map<string, Person>> {
  const fromLeads = db
    .select(personColumns(leads))
    .from(leads)
    .where(scoped(leads, workspaceId, inArray(leads.id, ids.leadIds)))
  const fromContacts = db
    .select(personColumns(contacts))
    .from(contacts)
    .where(scoped(contacts, workspaceId, inArray(contacts.id, ids.contactIds)))
  // Only the tables that are asked about; both together in one statement.
  const rows = ids.leadIds.length === 0
    ? (ids.contactIds.length === 0 ? [] : await fromContacts)
    : (ids.contactIds.length === 0 ? await fromLeads : await unionAll(fromLeads, fromContacts))
  return new Map(rows.map(({ id, ...person }) => [id, person]))
}

/** The rows with their people's fields, looked up in one query for all of them. */
export async function withPeople (
  db: Executor,
  workspaceId: string,
  rows: MemberRow[]
): Promise<MemberView[]> {
  const people = await livePeople(db, workspaceId, {
    leadIds: rows.flatMap((r) => (r.leadId === null ? [] : [r.leadId])),
    contactIds: rows.flatMap((r) => (r.contactId === null ? [] : [r.contactId]))
  })
  return rows.map((row) => ({ ...row, ...people.get((row.leadId ?? row.contactId) as string) }))
}
