import { searchDocument } from '../../db/full-text.js'
import { date, index, integer, jsonb, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace, timestampColumn } from '../../db/columns.js'
import { users } from '../users/users.table.js'

/** What `q` searches in campaigns; the GIN index below and every query use this one expression. */
export const campaignsSearch = (t: Record<'name' | 'description', AnyPgColumn>) =>
  searchDocument([t.name, t.description])

export const campaigns = pgTable(
  'campaigns',
  {
    ...recordColumns(),
    name: text().notNull(),
    type: text().notNull(),
    status: text().notNull().default('planned'),
    startDate: date({ mode: 'string' }),
    endDate: date({ mode: 'string' }),
    budget: numeric({ precision: 14, scale: 2 }),
    actualCost: numeric({ precision: 14, scale: 2 }),
    expectedRevenue: numeric({ precision: 14, scale: 2 }),
    currency: text().notNull(),
    parentCampaignId: uuid(),
    ownerId: uuid(),
    description: text(),
    subject: text(),
    fromName: text(),
    fromEmail: text(),
    replyTo: text(),
    htmlBody: text(),
    textBody: text(),
    /** Email delivery: null (never sent), scheduled, sending, paused, sent, cancelled. */
    sendStatus: text(),
    sendAt: timestampColumn(),
    /** Messages per second; null: the configured default. */
    sendRatePerSecond: integer(),
    sendStartedAt: timestampColumn(),
    sendFinishedAt: timestampColumn(),
    /** Members left out when the send was recorded: { optedOut, invalid, duplicate }. */
    sendSkipped: jsonb(),
    sendJobId: uuid()
  },
  (t) => [
    unique('campaigns_workspace_id_id_key').on(t.workspaceId, t.id),
    index('campaigns_search_idx').using('gin', campaignsSearch(t)),
    index('campaigns_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('campaigns_workspace_id_parent_campaign_id_idx').on(t.workspaceId, t.parentCampaignId),
    sameWorkspace('campaigns_parent_campaign_id_fkey', [t.workspaceId, t.parentCampaignId], [t.workspaceId, t.id]),
    sameWorkspace('campaigns_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id])
  ]
)
