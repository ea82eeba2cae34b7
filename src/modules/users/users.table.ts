import { searchDocument } from '../../db/full-text.js'
import { sql } from 'drizzle-orm'
import { boolean, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/timestamp.js'
import { workspaces } from '../workspaces/workspaces.table.js'

/** What `q` searches in users; the GIN index below and every query use this one expression. */
export const usersSearch = (t: Record<'name' | 'email', AnyPgColumn>) =>
  searchDocument([t.name, { email: t.email }])

export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid().notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    email: text().notNull(),
    name: text().notNull(),
    role: text().notNull(),
    isActive: boolean().notNull().default(true),
    passwordHash: text().notNull(),
    lastSignInAt: timestampColumn(),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow(),
    version: integer().notNull().default(1),
    // Users are deactivated, never deleted: they own records and history.
    deletedAt: timestampColumn()
  },
  (t) => [
    // Emails are unique across the system: sign-in names no workspace.
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    unique('users_workspace_id_id_key').on(t.workspaceId, t.id)
  ]
)
