import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { timestampColumn } from '../../db/columns.js'
import { users } from '../users/users.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'

/**
 * Every job a route started, and the outbox that delivers it: a route
 * inserts the row in its own transaction, and the row is handed to BullMQ
 * (with the row's id as the BullMQ job id) only after that commit. A row
 * whose `enqueuedAt` is still null after a crash is handed over by the
 * relay. PostgreSQL is the record of what was done; Redis only delivers,
 * and a job Redis lost is handed over again (jobs.requeue.ts).
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid().primaryKey().defaultRandom(),
    workspaceId: uuid()
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    queue: text().notNull(),
    name: text().notNull(),
    payload: jsonb().notNull(),
    /** queued, running, succeeded, failed */
    status: text().notNull().default('queued'),
    progress: jsonb(),
    result: jsonb(),
    error: text(),
    attempts: integer().notNull().default(0),
    /** Not before this instant (a scheduled send). */
    runAt: timestampColumn(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestampColumn().notNull().defaultNow(),
    enqueuedAt: timestampColumn(),
    /**
     * The BullMQ key prefix it was handed to: only processes on that prefix
     * judge whether its job was lost (jobs.requeue.ts).
     */
    queuePrefix: text(),
    startedAt: timestampColumn(),
    finishedAt: timestampColumn(),
    updatedAt: timestampColumn().notNull().defaultNow()
  },
  (t) => [
    index('jobs_workspace_id_created_at_idx').on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    index('jobs_outbox_idx').on(t.createdAt).where(sql`${t.enqueuedAt} is null`),
    index('jobs_finished_at_idx').on(t.finishedAt).where(sql`${t.finishedAt} is not null`),
    // Handed over and not finished: the rows whose job may have been lost.
    index('jobs_in_flight_idx')
      .on(t.queuePrefix, t.id)
      .where(sql`${t.status} in ('queued', 'running') and ${t.enqueuedAt} is not null`)
  ]
)
