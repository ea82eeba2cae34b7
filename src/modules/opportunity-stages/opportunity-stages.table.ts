import { boolean, integer, pgTable, text, unique } from 'drizzle-orm/pg-core'
import { recordColumns } from '../../db/columns.js'

export const opportunityStages = pgTable(
  'opportunity_stages',
  {
    ...recordColumns(),
    key: text().notNull(),
    label: text().notNull(),
    position: integer().notNull(),
    probability: integer().notNull(),
    isClosed: boolean().notNull(),
    isWon: boolean().notNull()
  },
  (t) => [unique('opportunity_stages_workspace_id_key_key').on(t.workspaceId, t.key)]
)
