import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { runMigrations } from './db/migrate.js'
import type { AppDeps } from './deps.js'
import { createLogger } from './logger.js'
import { seedDemo } from './seed/demo.seed.js'
import { openServices } from './services.js'
import { startWorkers } from './worker.js'

/**
 * The one entry point: loads the configuration, opens the services, applies
 * migrations, then runs the API, the workers, or both (ROLE), and closes
 * everything in order on SIGTERM or SIGINT, under SHUTDOWN_TIMEOUT_MS.
 */
async function main () {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  const logger = createLogger(config.LOG_LEVEL, { role: config.ROLE })
  const services = await openServices(config, logger)
  await runMigrations(services.database)

  const deps: AppDeps = {
    config,
    logger,
    database: services.database,
    redis: services.redis,
    queues: services.queues,
    jwtSecret: services.jwtSecret
  }
  const closers: (() => Promise<void>)[] = []
  if (config.ROLE !== 'worker') {
    const app = await buildApp(deps)
    const address = await app.listen({ port: config.PORT, host: config.HOST })
    closers.push(() => app.close())
    if (config.SEED_DEMO) await seedDemo(deps, address)
  }
  if (config.ROLE !== 'api') {
    const workers = await startWorkers(deps, services.redisUrl)
    closers.push(workers.close)
  }

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    for (const close of closers) await close()
    await services.close()
  })
}

main().catch((err) => {
  const logger = createLogger('error')
  logger.fatal({ err }, 'could not start')
  process.exit(1)
})
