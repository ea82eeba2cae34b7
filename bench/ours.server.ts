import { Redis } from 'ioredis'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createDatabase } from '../src/db/pool.js'
import { createQueues } from '../src/jobs/queues.js'
import { createLogger } from '../src/logger.js'
import { childOptions, serveInChild } from './child.js'

/**
 * Our whole API as production builds it (buildApp with every plugin: auth,
 * problem details, CORS, idempotency, validation, response schemas), only
 * with logging silent so that the measure is not of a log sink.
 */

export interface OursOptions {
  databaseUrl: string
  redisUrl: string
  poolSize: number
  jwtSecret: string
}

const options = childOptions<OursOptions>()

await serveInChild(async () => {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    JWT_SECRET: options.jwtSecret,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: String(options.poolSize),
    // The longest allowed: the token signed before the load must outlive it.
    ACCESS_TOKEN_TTL: '86400',
    SEED_DEMO: 'false'
  })
  const logger = createLogger(config.LOG_LEVEL)
  const database = createDatabase(options.databaseUrl, { max: config.DATABASE_POOL_MAX, logger })
  // Reads never touch Redis; a prefix of its own keeps stray writes apart.
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  const queues = createQueues(redis, '{crm-bench}')
  const { jwtSecret } = options
  const app = await buildApp({ config, logger, database, redis, queues, jwtSecret })
  return {
    app,
    async close () {
      await queues.close()
      redis.disconnect()
      await database.close()
    }
  }
})
