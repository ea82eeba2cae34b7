import { integer, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/timestamp.js'

export const workspaces = pgTable(
  'workspaces',
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    slug: text().notNull(),
    currency: text().notNull().default('USD'),
    timezone: text().notNull().default('UTC'),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow(),
    version: integer().notNull().default(1)
  },
  (t) => [uniqueIndex('workspaces_slug_key').on(t.slug)]
)

/** Per-workspace sequences, such as readable case numbers. */
export const workspaceCounters = pgTable(
  'workspace_counters',
  {
    workspaceId: uuid().notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    value: integer().notNull()
  },
  (t) => [primaryKey({ name: 'workspace_counters_pkey', columns: [t.workspaceId, t.name] })]
)
