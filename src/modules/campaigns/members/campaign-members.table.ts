import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace, timestampColumn } from '../../../db/columns.js'
import { contacts } from '../../contacts/contacts.table.js'
import { leads } from '../../leads/leads.table.js'
import { campaigns } from '../campaigns.table.js'

/**
 * A person a campaign reaches: a lead or a contact, exactly one, at most
 * once per campaign while the membership is live. The times record each
 * step the person reached; status is the furthest step.
 */
export const campaignMembers = pgTable(
  'campaign_members',
  {
    ...recordColumns(),
    campaignId: uuid().notNull(),
    leadId: uuid(),
    contactId: uuid(),
    status: text().notNull().default('targeted'),
    sentAt: timestampColumn(),
    openedAt: timestampColumn(),
    clickedAt: timestampColumn(),
    respondedAt: timestampColumn(),
    bouncedAt: timestampColumn(),
    unsubscribedAt: timestampColumn(),
    failedAt: timestampColumn()
  },
  (t) => [
    unique('campaign_members_workspace_id_id_key').on(t.workspaceId, t.id),
    check('campaign_members_one_person', sql`(${t.leadId} is null) <> (${t.contactId} is null)`),
    uniqueIndex('campaign_members_campaign_id_lead_id_key')
      .on(t.workspaceId, t.campaignId, t.leadId)
      .where(sql`${t.leadId} is not null and ${t.deletedAt} is null`),
    uniqueIndex('campaign_members_campaign_id_contact_id_key')
      .on(t.workspaceId, t.campaignId, t.contactId)
      .where(sql`${t.contactId} is not null and ${t.deletedAt} is null`),
    index('campaign_members_workspace_id_campaign_id_idx')
      .on(t.workspaceId, t.campaignId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('campaign_members_workspace_id_lead_id_idx').on(t.workspaceId, t.leadId),
    index('campaign_members_workspace_id_contact_id_idx').on(t.workspaceId, t.contactId),
    sameWorkspace(
      'campaign_members_campaign_id_fkey',
      [t.workspaceId, t.campaignId],
      [campaigns.workspaceId, campaigns.id]
    ),
    sameWorkspace('campaign_members_lead_id_fkey', [t.workspaceId, t.leadId], [leads.workspaceId, leads.id]),
    sameWorkspace(
      'campaign_members_contact_id_fkey',
      [t.workspaceId, t.contactId],
      [contacts.workspaceId, contacts.id]
    )
  ]
)
