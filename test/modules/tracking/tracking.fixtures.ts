import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { campaignSends } from '../../../src/modules/campaigns/sends/campaign-sends.table.js'
import { campaignMembers } from '../../../src/modules/campaigns/members/campaign-members.table.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import type { MessageRecipient } from '../../../src/modules/tracking/tracking.tokens.js'
import { addMember, createCampaign } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import type { TestWorkspace } from '../../fixtures/workspaces.js'

/** One member of a sent campaign: its person, the send row and the recipient ids. */
export interface SentMember {
  recipient: MessageRecipient
  person: { kind: 'lead' | 'contact', id: string }
}

/**
 * A campaign with a lead and a contact as members, each marked sent, with
 * their campaign_sends rows written straight into the table (as the send
 * worker records them).
 */
export async function sentCampaign (app: FastifyInstance, ws: TestWorkspace) {
  const campaign = await createCampaign(ws, {
    subject: 'Spring', fromEmail: 'news@example.com', htmlBody: '<p>Hi</p>'
  })
  const lead = await createLead(ws, { email: `grace-${randomUUID()}@globex.example` })
  const contact = await createContact(ws)
  const people = [
    { kind: 'lead' as const, id: lead.id, email: lead.email as string },
    { kind: 'contact' as const, id: contact.id, email: contact.email as string }
  ]
  const members: SentMember[] = []
  for (const person of people) {
    const ref = person.kind === 'lead' ? { leadId: person.id } : { contactId: person.id }
    const member = await addMember(ws, campaign.id, ref, { status: 'sent' })
    const [send] = await app.deps.db
      .insert(campaignSends)
      .values({
        workspaceId: ws.workspaceId,
        campaignId: campaign.id,
        memberId: member.id,
        email: person.email.toLowerCase(),
        status: 'sent',
        sentAt: new Date()
      })
      .returning()
    members.push({
      recipient: {
        workspaceId: ws.workspaceId,
        campaignId: campaign.id,
        memberId: member.id,
        sendId: (send as { id: string }).id
      },
      person: { kind: person.kind, id: person.id }
    })
  }
  return { campaign, lead: members[0] as SentMember, contact: members[1] as SentMember }
}

/** The member row as stored, deleted or not. */
export async function memberRow (app: FastifyInstance, recipient: MessageRecipient) {
  const [row] = await app.deps.db
    .select()
    .from(campaignMembers)
    .where(and(
      eq(campaignMembers.workspaceId, recipient.workspaceId),
      eq(campaignMembers.id, recipient.memberId)
    ))
  if (row === undefined) throw new Error('no such member')
  return row
}

/** The person's emailOptOut and version, from its table. */
export async function personRow (app: FastifyInstance, person: SentMember['person']) {
  const table = person.kind === 'lead' ? leads : contacts
  const [row] = await app.deps.db
    .select({ emailOptOut: table.emailOptOut, version: table.version })
    .from(table)
    .where(eq(table.id, person.id))
  if (row === undefined) throw new Error('no such person')
  return row
}
