import pg from 'pg'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import type { Logger } from 'pino'
import * as schema from './schema.js'

export type Database = NodePgDatabase<typeof schema>
/** A transaction or the database itself: queries take either as first argument. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0]

// numeric columns stay strings (money is exact); int8 counts become numbers,
// which is safe below 2^53 (counts, never ids).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export interface DatabaseHandle {
  pool: pg.Pool
  db: Database
  close: () => Promise<void>
}

/**
 * Opens a pool to one connection string. Later a read replica gets a second
 * handle of its own; nothing here assumes there is only one.
 */
export function createDatabase (
  url: string,
  options: { max: number, logger: Logger, applicationName?: string }
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    application_name: options.applicationName ?? 'crm-api',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000
  })
  pool.on('error', (err) => options.logger.warn({ err }, 'idle database client failed'))
  const db = drizzle(pool, { schema, casing: 'snake_case' })
  let closing: Promise<void> | undefined
  return { pool, db, close: () => (closing ??= pool.end()) }
}
