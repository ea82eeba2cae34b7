import { index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/timestamp.js'
import { workspaces } from '../../modules/workspaces/workspaces.table.js'

/** The first answer to each Idempotency-Key, kept for replays (24 h at least). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    workspaceId: uuid().notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    // The credential (user or API key) that sent the key: two callers never
    // share a key space.
    principal: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    state: text().notNull(),
    responseStatus: integer(),
    responseHeaders: jsonb().$type<Record<string, string>>(),
    responseBody: text(),
    createdAt: timestampColumn().notNull().defaultNow(),
    expiresAt: timestampColumn().notNull()
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.workspaceId, t.principal, t.key] }),
    index('idempotency_keys_expires_at_idx').on(t.expiresAt)
  ]
)
