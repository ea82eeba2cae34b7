import { searchDocument } from '../../db/full-text.js'
import { boolean, date, index, integer, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../db/columns.js'
import { accounts } from '../accounts/accounts.table.js'
import { campaigns } from '../campaigns/campaigns.table.js'
import { contacts } from '../contacts/contacts.table.js'
import { opportunityStages } from '../opportunity-stages/opportunity-stages.table.js'
import { users } from '../users/users.table.js'

/** What `q` searches in opportunities; the GIN index below and every query use this one expression. */
export const opportunitiesSearch = (t: Record<'name', AnyPgColumn>) =>
  searchDocument([t.name])

export const opportunities = pgTable(
  'opportunities',
  {
    ...recordColumns(),
    name: text().notNull(),
    accountId: uuid().notNull(),
    contactId: uuid(),
    stage: text().notNull(),
    // Copied from the stage on every stage change, so lists filter on them
    // without a join; a change of a stage's flags rewrites them.
    isClosed: boolean().notNull().default(false),
    isWon: boolean().notNull().default(false),
    probability: integer().notNull(),
    amount: numeric({ precision: 14, scale: 2 }),
    currency: text().notNull(),
    closeDate: date({ mode: 'string' }),
    type: text(),
    source: text(),
    campaignId: uuid(),
    leadId: uuid(),
    nextStep: text(),
    lossReason: text(),
    ownerId: uuid(),
    description: text()
  },
  (t) => [
    unique('opportunities_workspace_id_id_key').on(t.workspaceId, t.id),
    index('opportunities_search_idx').using('gin', opportunitiesSearch(t)),
    index('opportunities_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('opportunities_workspace_id_account_id_idx').on(t.workspaceId, t.accountId),
    index('opportunities_workspace_id_contact_id_idx').on(t.workspaceId, t.contactId),
    index('opportunities_workspace_id_campaign_id_idx').on(t.workspaceId, t.campaignId),
    index('opportunities_workspace_id_lead_id_idx').on(t.workspaceId, t.leadId),
    sameWorkspace(
      'opportunities_account_id_fkey',
      [t.workspaceId, t.accountId],
      [accounts.workspaceId, accounts.id]
    ),
    sameWorkspace(
      'opportunities_contact_id_fkey',
      [t.workspaceId, t.contactId],
      [contacts.workspaceId, contacts.id]
    ),
    sameWorkspace(
      'opportunities_campaign_id_fkey',
      [t.workspaceId, t.campaignId],
      [campaigns.workspaceId, campaigns.id]
    ),
    sameWorkspace(
      'opportunities_stage_fkey',
      [t.workspaceId, t.stage],
      [opportunityStages.workspaceId, opportunityStages.key]
    ),
    sameWorkspace('opportunities_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id])
  ]
)
