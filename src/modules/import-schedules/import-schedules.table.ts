import { boolean, index, jsonb, pgTable, text, unique } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, timestampColumn } from '../../db/columns.js'

/**
 * An import that runs on a cron expression in a time zone, from a file in
 * the configured import folder (matched by a pattern) or an HTTPS URL.
 * Each run is an import of its own; a file already imported by this
 * schedule (same checksum) is skipped.
 */
export const importSchedules = pgTable(
  'import_schedules',
  {
    ...recordColumns(),
    name: text().notNull(),
    cron: text().notNull(),
    timezone: text().notNull(),
    /** folder, url */
    sourceType: text().notNull(),
    sourcePattern: text(),
    sourceUrl: text(),
    object: text().notNull(),
    format: text().notNull(),
    mode: text().notNull(),
    upsertKey: text(),
    mapping: jsonb(),
    isActive: boolean().notNull().default(true),
    lastRunAt: timestampColumn()
  },
  (t) => [
    unique('import_schedules_workspace_id_id_key').on(t.workspaceId, t.id),
    index('import_schedules_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt))
  ]
)
