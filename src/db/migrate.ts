import { migrate } from 'drizzle-orm/node-postgres/migrator'
import type { DatabaseHandle } from './pool.js'

// Any constant works; it only has to be the same for every process that
// migrates this database, so that concurrent starts apply each migration once.
const MIGRATION_LOCK = 7_246_210

/**
 * Applies the committed migrations, holding a session advisory lock so that
 * several processes (API, workers, parallel test files) never race.
 */
export async function runMigrations (handle: DatabaseHandle, migrationsFolder = 'migrations') {
  const client = await handle.pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migrate(handle.db, { migrationsFolder })
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    client.release()
  }
}
