import { randomUUID } from 'node:crypto'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { runMigrations } from '../src/db/migrate.js'
import { createDatabase } from '../src/db/pool.js'
import type { AppDeps } from '../src/deps.js'
import { createQueues, QUEUE_NAMES } from '../src/jobs/queues.js'
import { createLogger } from '../src/logger.js'

/**
 * The real app against the real Postgres and Redis named by DATABASE_URL and
 * REDIS_URL (npm test starts embedded ones when they are unset). A missing
 * service fails the test; nothing is mocked. Each file gets its own queue
 * prefix, removed in teardown.
 */

interface Tap {
  teardown: (fn: () => unknown) => void
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789'

export function testConfig (overrides: Record<string, string> = {}): Config {
  const databaseUrl = process.env.DATABASE_URL
  const redisUrl = process.env.REDIS_URL
  if (databaseUrl === undefined || redisUrl === undefined) {
    throw new Error('DATABASE_URL and REDIS_URL must be set; run the tests with `npm test`')
  }
  return loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_POOL_MAX: '4',
    CORS_ORIGINS: 'https://app.example.com',
    ...overrides
  })
}

export async function buildTestDeps (t: Tap, overrides: Record<string, string> = {}): Promise<AppDeps> {
  const config = testConfig(overrides)
  const logger = createLogger(config.LOG_LEVEL)
  const database = createDatabase(config.DATABASE_URL as string, { max: config.DATABASE_POOL_MAX, logger })
  await runMigrations(database)
  const redis = new Redis(config.REDIS_URL as string, { maxRetriesPerRequest: 1 })
  const queues = createQueues(redis, `{test-${randomUUID().slice(0, 8)}}`)
  t.teardown(async () => {
    for (const name of Object.values(QUEUE_NAMES)) {
      await queues.get(name).obliterate({ force: true }).catch(() => {})
    }
    await queues.close()
    await redis.quit()
    await database.close()
  })
  return { config, logger, database, redis, queues, jwtSecret: TEST_JWT_SECRET }
}

export async function buildTestApp (t: Tap, overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const deps = await buildTestDeps(t, overrides)
  const app = await buildApp(deps)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

export type Response = LightMyRequestResponse

/** A request as a given bearer token. */
export function as (app: FastifyInstance, token: string) {
  return (options: InjectOptions & { url: string }) =>
    app.inject({ ...options, headers: { authorization: `Bearer ${token}`, ...(options.headers ?? {}) } })
}
