import { sql } from 'drizzle-orm'
import { type AnyPgColumn, foreignKey, integer, uuid } from 'drizzle-orm/pg-core'
import { workspaces } from '../modules/workspaces/workspaces.table.js'
import { timestampColumn } from './timestamp.js'

export { timestampColumn }

/** The columns every workspace record has; each call makes fresh builders. */
export function recordColumns () {
  return {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow(),
    version: integer().notNull().default(1),
    deletedAt: timestampColumn()
  }
}

/**
 * A reference to a record of the same workspace: the foreign key covers the
 * workspace too, so the database itself refuses a link across workspaces.
 */
export function sameWorkspace (
  name: string,
  from: [AnyPgColumn, AnyPgColumn],
  to: [AnyPgColumn, AnyPgColumn]
) {
  return foreignKey({ name, columns: from, foreignColumns: to })
}

export const isLive = (deletedAt: AnyPgColumn) => sql`${deletedAt} is null`
