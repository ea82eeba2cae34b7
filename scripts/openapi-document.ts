import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createDatabase } from '../src/db/pool.js'
import { createQueues } from '../src/jobs/queues.js'
import { createLogger } from '../src/logger.js'
import { Redis } from 'ioredis'

/**
 * The OpenAPI document exactly as the app serves it at /openapi.json,
 * built without touching any service: the pool and Redis connect lazily
 * and are never used.
 */
export async function openapiDocument (): Promise<string> {
  const config = loadConfig({
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    REDIS_URL: 'redis://127.0.0.1:1',
    JWT_SECRET: 'x'.repeat(32),
    LOG_LEVEL: 'silent'
  })
  const logger = createLogger('silent')
  const database = createDatabase(config.DATABASE_URL as string, { max: 1, logger })
  const redis = new Redis(config.REDIS_URL as string, { lazyConnect: true })
  const queues = createQueues(redis)
  const app = await buildApp({ config, logger, database, redis, queues, jwtSecret: config.JWT_SECRET as string })
  await app.ready()
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`
  await app.close()
  await queues.close()
  redis.disconnect()
  await database.close()
  return text
}
