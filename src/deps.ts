import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { Database, DatabaseHandle } from './db/pool.js'
import type { Queues } from './jobs/queues.js'

/**
 * What the API and the workers are built from. Entry points create these
 * and pass them in; nothing is imported as a singleton, so tests build as
 * many apps as they like against their own resources.
 */
export interface AppDeps {
  config: Config
  logger: Logger
  database: DatabaseHandle
  redis: Redis
  queues: Queues
  jwtSecret: string
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps & { db: Database }
  }
  interface FastifyRequest {
    tenant: import('./lib/records/tenant.js').Tenant
  }
  interface FastifyContextConfig {
    /** Routes without it, outside /v1 or marked public, need no credentials. */
    permission?: import('./modules/auth/permissions.js').Permission
    /** Open to anyone: sign-up, sign-in, tracking links. */
    public?: boolean
    /**
     * POST routes that honour Idempotency-Key: `true` claims the key from the
     * JSON body before the handler; `'after-body'` leaves the claim to the
     * handler (claimIdempotencyKey), for a request known only once read.
     */
    idempotent?: boolean | 'after-body'
  }
}
