import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createDatabase, type DatabaseHandle } from './db/pool.js'
import { startEmbeddedPostgres } from './embedded/postgres.js'
import { resolveRedis } from './embedded/redis.js'
import { loadOrCreateSecret } from './embedded/secret.js'
import { createQueues, type Queues } from './jobs/queues.js'

/**
 * Resolves what the configuration leaves out (an embedded PostgreSQL, a
 * local or child Redis, a generated JWT secret) and opens the connections.
 * `close` releases them in reverse order: queues, Redis, pool, then the
 * embedded servers.
 */
export interface Services {
  database: DatabaseHandle
  databaseUrl: string
  redis: Redis
  redisUrl: string
  queues: Queues
  jwtSecret: string
  close: () => Promise<void>
}

export async function openServices (config: Config, logger: Logger): Promise<Services> {
  const stops: (() => Promise<void>)[] = []
  try {
    let databaseUrl = config.DATABASE_URL
    if (databaseUrl === undefined) {
      const embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, logger })
      stops.push(embedded.stop)
      databaseUrl = embedded.url
    }
    let redisUrl = config.REDIS_URL
    if (redisUrl === undefined) {
      const local = await resolveRedis({ dataDir: config.DATA_DIR, logger })
      stops.push(local.stop)
      redisUrl = local.url
    }
    const jwtSecret = config.JWT_SECRET ?? (await loadOrCreateSecret(config.DATA_DIR, 'jwt-secret'))
    const database = createDatabase(databaseUrl, { max: config.DATABASE_POOL_MAX, logger })
    stops.push(database.close)
    // Producers fail fast: a request must not hang while Redis is away.
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: true })
    redis.on('error', (err) => logger.warn({ err }, 'redis connection error'))
    stops.push(async () => { await redis.quit().catch(() => redis.disconnect()) })
    const queues = createQueues(redis, config.QUEUE_PREFIX)
    stops.push(queues.close)
    return {
      database, databaseUrl, redis, redisUrl, queues, jwtSecret,
      close: () => closeAll(stops)
    }
  } catch (err) {
    await closeAll(stops)
    throw err
  }
}

async function closeAll (stops: (() => Promise<void>)[]) {
  for (const stop of stops.reverse()) await stop().catch(() => {})
}
