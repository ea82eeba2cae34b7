import { integer, jsonb, pgTable, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/columns.js'
import { users } from '../users/users.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'

/** A workspace's scoring rules, one document per workspace; `version` grows on each change. */
export const leadScoringRules = pgTable('lead_scoring_rules', {
  workspaceId: uuid()
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  rules: jsonb().notNull(),
  version: integer().notNull().default(1),
  updatedAt: timestampColumn().notNull().defaultNow(),
  updatedBy: uuid().references(() => users.id, { onDelete: 'set null' })
})
