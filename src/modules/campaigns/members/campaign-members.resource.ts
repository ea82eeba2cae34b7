import { eq } from 'drizzle-orm'
import { Type } from 'typebox'
import { updateRecord } from '../../../lib/records/record-writer.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { withFieldErrors } from '../../../lib/errors.js'
import { recordToDto } from '../../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../../lib/resource/resource.js'
import { contacts } from '../../contacts/contacts.table.js'
import { leads } from '../../leads/leads.table.js'
import { MemberStatusNotAllowedError } from './campaign-members.errors.js'
import { isOptedOut, type Person, personSearch } from './campaign-members.people.js'
import {
  type CampaignMember,
  CampaignMemberSchema,
  UpdateCampaignMemberBodySchema
} from './campaign-members.schemas.js'
import {
  canMove,
  MEMBER_STATUSES,
  type MemberStatus,
  stepTimeFor
} from './campaign-members.status.js'
import { campaignMembers } from './campaign-members.table.js'

export type MemberRow = typeof campaignMembers.$inferSelect & Row

/** Sets emailOptOut on the member's lead or contact, through the record writer. */
export async function optOutPerson (ctx: WriteContext, member: MemberRow) {
  const table = member.leadId !== null ? leads : contacts
  const id = (member.leadId ?? member.contactId) as string
  const [person] = await ctx.tx
    .select()
    .from(table)
    .where(scoped(table, ctx.tenant.workspaceId, eq(table.id, id)))
    .for('update')
  if (person === undefined) return
  // A converted lead no longer changes; the contact it became carries the person on.
  if ('status' in person && person.status === 'converted') {
    const contactId = (person as { convertedContactId: string | null }).convertedContactId
    if (contactId !== null) await optOutContact(ctx, contactId)
    return
  }
  if (!person.emailOptOut) await updateRecord(ctx, table, person, { emailOptOut: true })
}

async function optOutContact (ctx: WriteContext, contactId: string) {
  const [contact] = await ctx.tx
    .select()
    .from(contacts)
    .where(scoped(contacts, ctx.tenant.workspaceId, eq(contacts.id, contactId)))
    .for('update')
  if (contact !== undefined && !contact.emailOptOut) await updateRecord(ctx, contacts, contact, { emailOptOut: true })
}
/** A member row with its person's fields, as toDto shows it. */
export type MemberView = MemberRow & Partial<Person>

export interface NewMember {
  campaignId: string
  leadId?: string
  contactId?: string
  status?: MemberStatus
}

/**
 * Campaign members as a resource, so the generic list does their paging,
 * sorting and filters. Their routes are their own (nested under the
 * campaign, with person lookups); this definition is what they share.
 */
export const memberResource: ResourceDefinition<MemberView, CampaignMember> = {
  name: 'member',
  plural: 'campaign-members',
  code: 'CAMPAIGN_MEMBER',
  noun: 'CampaignMember',
  nounPlural: 'CampaignMembers',
  tag: 'Campaigns',
  table: campaignMembers,
  schemas: {
    record: CampaignMemberSchema,
    // Adding takes the campaign from the path; see the routes for the body.
    create: Type.Object({}),
    update: UpdateCampaignMemberBodySchema
  },
  sortable: {
    createdAt: { column: campaignMembers.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: campaignMembers.updatedAt, kind: 'timestamp', nullable: false },
    status: { column: campaignMembers.status, kind: 'text', nullable: false }
  },
  filters: [
    { kind: 'enum', name: 'status', column: campaignMembers.status, values: MEMBER_STATUSES },
    { kind: 'uuid', name: 'leadId', column: campaignMembers.leadId },
    { kind: 'uuid', name: 'contactId', column: campaignMembers.contactId },
    {
      kind: 'condition',
      name: 'optedOut',
      description: 'true: only people who opted out of email (or were deleted); false: the others',
      when: isOptedOut
    },
    { kind: 'timestampRange', name: 'createdAt', column: campaignMembers.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: campaignMembers.updatedAt }
  ],
  search: personSearch,
  searchDescription:
    'words to find in the person\'s first name, last name, email or (for a lead) company',
  references: [],
  referencedBy: [],
  // A person unknown here (deleted) shows as opted out: never email it.
  toDto: (row) => recordToDto<CampaignMember>(CampaignMemberSchema, row, {
    emailOptOut: row.emailOptOut ?? true
  }),
  async prepareCreate (_ctx, input) {
    const body = input as NewMember
    const status = body.status ?? 'targeted'
    return {
      campaignId: body.campaignId,
      leadId: body.leadId ?? null,
      contactId: body.contactId ?? null,
      status,
      ...stepTimeFor(status, {}, new Date())
    }
  },
  async prepareUpdate (ctx, current, patch) {
    const status = (patch as { status?: MemberStatus }).status
    if (status === undefined || status === current.status) return {}
    const from = current.status as MemberStatus
    if (!canMove(from, status)) {
      const message = `a member cannot move from ${from} to ${status}`
      const error = new MemberStatusNotAllowedError(message)
      throw withFieldErrors(error, [{ pointer: '/status', message }])
    }
    // An unsubscribed person is never emailed again, by any campaign.
    if (status === 'unsubscribed') await optOutPerson(ctx, current)
    return { status, ...stepTimeFor(status, current, new Date()) }
  }
}
