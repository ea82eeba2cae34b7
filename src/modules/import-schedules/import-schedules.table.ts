import { boolean, index, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, timestampColumn } from '../../db/columns.js'

/** The counters of a finished run, as the schedule shows them. */
export interface LastRunCounts {
  filesMatched: number
  importsStarted: number
  duplicatesSkipped: number
  unchangedSkipped: number
  filesRefused: number
}

/**
 * An import that runs on a cron expression in a time zone, from a file in
 * the configured import folder (matched by a pattern) or an HTTPS URL.
 * Each run is an import of its own; a file already imported by this
 * schedule (same checksum) is skipped.
 *
 * The `lastRun*` columns describe the latest run that started, whoever
 * asked for it (the cron or POST .../run); only that run writes its
 * outcome there (matched by `lastRunJobId`), and never the version nor
 * `updatedAt`, so a run does not make a client's ETag stale.
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
    lastRunAt: timestampColumn(),
    /** The `jobs` row of the last run. No foreign key: job rows are purged 30 days after they finish. */
    lastRunJobId: uuid(),
    /** schedule, request */
    lastRunTrigger: text(),
    /** running, queued (between attempts), succeeded, failed */
    lastRunStatus: text(),
    lastRunFinishedAt: timestampColumn(),
    lastRunError: text(),
    lastRunCounts: jsonb().$type<LastRunCounts>()
  },
  (t) => [
    unique('import_schedules_workspace_id_id_key').on(t.workspaceId, t.id),
    index('import_schedules_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt))
  ]
)
