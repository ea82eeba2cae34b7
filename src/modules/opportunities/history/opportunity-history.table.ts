import { sql } from 'drizzle-orm'
import { date, index, integer, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { sameWorkspace, timestampColumn } from '../../../db/columns.js'
import { users } from '../../users/users.table.js'
import { workspaces } from '../../workspaces/workspaces.table.js'
import { opportunities } from '../opportunities.table.js'

/**
 * One row per write that changed an opportunity's stage, amount, probability
 * or close date (and one for its creation): the values after the write, the
 * values before it, and which of the four changed. Rows are never changed or
 * deleted; a deleted opportunity keeps its history.
 */
export const opportunityHistory = pgTable(
  'opportunity_history',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    opportunityId: uuid().notNull(),
    changedAt: timestampColumn().notNull().defaultNow(),
    /** The user whose credential made the change (an API key's creator). */
    changedById: uuid(),
    /** Which of stage, amount, probability, closeDate changed; all four on creation. */
    changedFields: text().array().notNull().default(sql`'{}'::text[]`),
    stage: text().notNull(),
    amount: numeric({ precision: 14, scale: 2 }),
    probability: integer().notNull(),
    closeDate: date({ mode: 'string' }),
    previousStage: text(),
    previousAmount: numeric({ precision: 14, scale: 2 }),
    previousProbability: integer(),
    previousCloseDate: date({ mode: 'string' })
  },
  (t) => [
    index('opportunity_history_workspace_id_opportunity_id_idx')
      .on(t.workspaceId, t.opportunityId, t.changedAt.desc(), t.id.desc()),
    sameWorkspace(
      'opportunity_history_opportunity_id_fkey',
      [t.workspaceId, t.opportunityId],
      [opportunities.workspaceId, opportunities.id]
    ),
    sameWorkspace(
      'opportunity_history_changed_by_id_fkey',
      [t.workspaceId, t.changedById],
      [users.workspaceId, users.id]
    )
  ]
)
