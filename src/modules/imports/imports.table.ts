import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/columns.js'
import { users } from '../users/users.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'

/**
 * One import of one file into one collection. The counters and the
 * checkpoint (`rowsCommitted`: rows of the file whose outcome is written;
 * `bytesCommitted`: the byte offset in the file where the row after them
 * starts) change in the same transaction as the rows they count, so a
 * worker that dies mid-file resumes after the last committed batch,
 * opening the file at that offset.
 */
export const imports = pgTable(
  'imports',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** accounts, contacts, leads, products */
    object: text().notNull(),
    /** csv, ndjson */
    format: text().notNull(),
    /** create, upsert */
    mode: text().notNull(),
    upsertKey: text(),
    mapping: jsonb(),
    dryRun: boolean().notNull().default(false),
    /** queued, running, succeeded, failed */
    status: text().notNull().default('queued'),
    fileName: text(),
    filePath: text().notNull(),
    fileSize: bigint({ mode: 'number' }).notNull(),
    checksum: text().notNull(),
    scheduleId: uuid(),
    jobId: uuid(),
    rowsRead: integer().notNull().default(0),
    rowsCreated: integer().notNull().default(0),
    rowsUpdated: integer().notNull().default(0),
    rowsSkipped: integer().notNull().default(0),
    rowsFailed: integer().notNull().default(0),
    rowsCommitted: integer().notNull().default(0),
    /** Null until a batch commits (and for imports checkpointed before offsets were kept: they read from the start). */
    bytesCommitted: bigint({ mode: 'number' }),
    /**
     * The `rowsCommitted` that `bytesCommitted` was written with. A worker
     * from before the offsets moves the rows alone; an offset whose count
     * is not the checkpoint's is stale, and the file is read from the start.
     */
    bytesCommittedAtRow: integer(),
    error: text(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestampColumn().notNull().defaultNow(),
    updatedAt: timestampColumn().notNull().defaultNow(),
    startedAt: timestampColumn(),
    finishedAt: timestampColumn()
  },
  (t) => [
    index('imports_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    uniqueIndex('imports_schedule_id_checksum_key')
      .on(t.scheduleId, t.checksum)
      .where(sql`${t.scheduleId} is not null`)
  ]
)

/** Each failed row of an import: its number in the file (1 = first data row) and why. */
export const importErrors = pgTable(
  'import_errors',
  {
    importId: uuid()
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    rowNumber: integer().notNull(),
    reason: text().notNull(),
    raw: text()
  },
  (t) => [primaryKey({ name: 'import_errors_pkey', columns: [t.importId, t.rowNumber] })]
)
