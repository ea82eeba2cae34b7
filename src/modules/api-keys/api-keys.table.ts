import { foreignKey, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/timestamp.js'
import { users } from '../users/users.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid().notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    createdById: uuid().notNull(),
    name: text().notNull(),
    role: text().notNull(),
    prefix: text().notNull(),
    // SHA-256 of the secret: the secret has 256 bits of entropy, so a fast
    // hash is enough and keeps every authenticated request cheap.
    secretHash: text().notNull(),
    lastUsedAt: timestampColumn(),
    expiresAt: timestampColumn(),
    revokedAt: timestampColumn(),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow(),
    version: integer().notNull().default(1)
  },
  (t) => [
    uniqueIndex('api_keys_secret_hash_key').on(t.secretHash),
    index('api_keys_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt),
    foreignKey({
      name: 'api_keys_created_by_id_fkey',
      columns: [t.workspaceId, t.createdById],
      foreignColumns: [users.workspaceId, users.id]
    })
  ]
)
