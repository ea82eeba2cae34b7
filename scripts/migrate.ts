import { loadConfig } from '../src/config.js'
import { runMigrations } from '../src/db/migrate.js'
import { createDatabase } from '../src/db/pool.js'
import { startEmbeddedPostgres } from '../src/embedded/postgres.js'
import { createLogger } from '../src/logger.js'

// `npm run db:migrate`: applies the committed migrations to DATABASE_URL,
// or to the embedded PostgreSQL when it is unset, as the server would.
const config = loadConfig(process.env)
const logger = createLogger(config.LOG_LEVEL)
const embedded = config.DATABASE_URL === undefined
  ? await startEmbeddedPostgres({ dataDir: config.DATA_DIR, logger })
  : undefined
// Two connections: one holds the migration lock while the other migrates.
const database = createDatabase(config.DATABASE_URL ?? (embedded?.url as string), { max: 2, logger })
try {
  await runMigrations(database)
  logger.info('migrations applied')
} finally {
  await database.close()
  await embedded?.stop()
}
