import { randomUUID } from 'node:crypto'
import cors from '@fastify/cors'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { corsOrigins } from './config.js'
import type { AppDeps } from './deps.js'
import { registerNulGuard } from './lib/http/nul-guard.js'
import { registerWriteScope } from './plugins/write-scope.js'
import { validatorCompiler } from './lib/http/validation.js'
import { registerModules } from './modules/index.js'
import authPlugin from './plugins/auth.plugin.js'
import { healthRoutes } from './plugins/health.routes.js'
import idempotencyPlugin from './plugins/idempotency/idempotency.plugin.js'
import metricsPlugin from './plugins/metrics.plugin.js'
import { answerClientError } from './plugins/client-error.js'
import problemPlugin, { mapError, problemBody, sendProblem } from './plugins/problem.plugin.js'
import swaggerPlugin from './plugins/swagger.plugin.js'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export const EXPOSED_HEADERS = ['ETag', 'Location', 'Content-Location', 'X-Request-Id', 'Idempotent-Replayed']

/**
 * Builds the HTTP API from its dependencies. It connects to nothing by
 * itself (pools connect lazily), so the OpenAPI document can be generated
 * and most tests can run without starting a server.
 */
export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
    },
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    forceCloseConnections: 'idle',
    // Refusals raised by the router itself (bad percent-encoding, an
    // over-long parameter) skip the error handler; answer them alike.
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id)
      return sendProblem(reply, problemBody(mapError(error), request))
    },
    return503OnClosing: true
  })
  app.setValidatorCompiler(validatorCompiler)
  // Only JSON bodies are accepted; anything else is a 415.
  app.removeContentTypeParser(['text/plain'])
  app.decorate('deps', { ...deps, db: deps.database.db })
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  await app.register(problemPlugin)
  registerNulGuard(app)
  await app.register(cors, {
    origin: corsOrigins(deps.config),
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600
  })
  await app.register(metricsPlugin)
  await app.register(swaggerPlugin)
  await app.register(authPlugin)
  await app.register(idempotencyPlugin)
  await app.register(healthRoutes)
  registerWriteScope(app)
  await registerModules(app)
  return app
}
