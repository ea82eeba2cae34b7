import { index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { sameWorkspace, timestampColumn } from '../../../db/columns.js'
import { workspaces } from '../../workspaces/workspaces.table.js'
import { campaignMembers } from '../members/campaign-members.table.js'
import { campaigns } from '../campaigns.table.js'

/**
 * One message of a campaign to one recipient, recorded before anything is
 * sent. A worker claims a row (pending → sending, a conditional update)
 * before it talks to SMTP and records the outcome after; a claim older
 * than the lease is taken over, so a dead worker's rows are sent at most
 * once more. A row recorded as sent is never claimed again.
 */
export const campaignSends = pgTable(
  'campaign_sends',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    campaignId: uuid().notNull(),
    memberId: uuid().notNull(),
    /** Lower-cased and trimmed: the unit of "once per recipient". */
    email: text().notNull(),
    /**
     * pending, sending (claimed), and the final sent, bounced, failed and
     * skipped (the person opted out after the send was recorded).
     */
    status: text().notNull().default('pending'),
    /** Claims so far, each one delivery attempt. */
    attempts: integer().notNull().default(0),
    /** When claimed; for a pending row waiting for a retry, not before this instant. */
    claimedAt: timestampColumn(),
    claimToken: uuid(),
    sentAt: timestampColumn(),
    messageId: text(),
    lastError: text(),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow()
  },
  (t) => [
    unique('campaign_sends_campaign_id_email_key').on(t.campaignId, t.email),
    unique('campaign_sends_campaign_id_member_id_key').on(t.campaignId, t.memberId),
    index('campaign_sends_campaign_id_status_idx').on(t.campaignId, t.status),
    sameWorkspace('campaign_sends_campaign_id_fkey', [t.workspaceId, t.campaignId], [campaigns.workspaceId, campaigns.id]),
    sameWorkspace(
      'campaign_sends_member_id_fkey',
      [t.workspaceId, t.memberId],
      [campaignMembers.workspaceId, campaignMembers.id]
    )
  ]
)
