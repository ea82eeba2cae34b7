import { bigint, index, numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { sameWorkspace, timestampColumn } from '../../db/columns.js'
import { imports } from '../imports/imports.table.js'
import { importSchedules } from './import-schedules.table.js'

/**
 * What a folder schedule remembers of each file it has read: the file's
 * size, modification time and inode when it was read, and the checksum and
 * import that came of it. A later run that finds the same name with the
 * same size, mtime and inode counts the file as a duplicate without
 * reading it; any difference and the file is read and hashed again (the
 * checksum dedup of imports stays the final guard). One row per name:
 * a changed file replaces its row, and names gone from the folder are
 * forgotten by the next run.
 */
export const importScheduleFiles = pgTable(
  'import_schedule_files',
  {
    workspaceId: uuid().notNull(),
    scheduleId: uuid().notNull(),
    fileName: text().notNull(),
    size: bigint({ mode: 'number' }).notNull(),
    /**
     * Nanoseconds since the epoch (milliseconds would miss two writes in
     * the same one), and the inode number (unsigned 64-bit); both numeric,
     * read back as exact decimal strings, as int8 values are read as
     * JavaScript numbers.
     */
    mtimeNs: numeric({ precision: 20, scale: 0 }).notNull(),
    inode: numeric({ precision: 20, scale: 0 }).notNull(),
    /** sha256 of the bytes read, hex. */
    checksum: text().notNull(),
    /** The import those bytes started, or the earlier one they duplicated. */
    importId: uuid()
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    seenAt: timestampColumn().notNull().defaultNow()
  },
  (t) => [
    primaryKey({ name: 'import_schedule_files_pkey', columns: [t.scheduleId, t.fileName] }),
    // For the cascade when imports go.
    index('import_schedule_files_import_id_idx').on(t.importId),
    sameWorkspace(
      'import_schedule_files_schedule_fkey',
      [t.workspaceId, t.scheduleId],
      [importSchedules.workspaceId, importSchedules.id]
    ).onDelete('cascade')
  ]
)
