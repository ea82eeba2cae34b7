import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { problemResponses } from '../lib/http/responses.js'
import { UnavailableError } from '../lib/errors.js'

const HealthSchema = Type.Object(
  {
    status: Type.String({ examples: ['ok'] }),
    checks: Type.Optional(Type.Record(Type.String(), Type.String()))
  },
  { additionalProperties: false }
)

/** Liveness says the process serves; readiness that Postgres and Redis answer. */
export async function healthRoutes (app: FastifyInstance) {
  app.get('/health/live', {
    schema: {
      tags: ['Health'],
      operationId: 'getLiveness',
      summary: 'Liveness',
      security: [],
      response: { 200: HealthSchema }
    }
  }, async () => ({ status: 'ok' }))

  app.get('/health/ready', {
    schema: {
      tags: ['Health'],
      operationId: 'getReadiness',
      summary: 'Readiness: Postgres and Redis answer',
      security: [],
      response: { 200: HealthSchema, ...problemResponses(503) }
    }
  }, async () => {
    const [database, redis] = await Promise.allSettled([
      app.deps.database.pool.query('select 1'),
      withTimeout(app.deps.redis.ping(), 1000)
    ])
    const failed = [
      database.status === 'rejected' && 'postgres',
      redis.status === 'rejected' && 'redis'
    ].filter(Boolean)
    if (failed.length > 0) {
      throw new UnavailableError(`not ready: ${failed.join(' and ')} not answering`)
    }
    return { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } }
  })
}

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms)
    promise.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}
