import { integer, jsonb, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core'
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

/**
 * Every rules document a workspace has had, by version, written with the
 * change. A lead stores only which rules matched it (`leads.score_facts`);
 * its breakdown is read back against the version that scored it, so a lead
 * scored before a change still explains its score. Version 0 (the
 * defaults) has no row: it lives in lead-scoring.defaults.ts.
 */
export const leadScoringRuleVersions = pgTable('lead_scoring_rule_versions', {
  workspaceId: uuid()
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  version: integer().notNull(),
  rules: jsonb().notNull(),
  createdAt: timestampColumn().notNull().defaultNow(),
  createdBy: uuid().references(() => users.id, { onDelete: 'set null' })
}, (t) => [primaryKey({ columns: [t.workspaceId, t.version] })])
