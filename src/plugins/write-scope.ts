import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  closeWriteScope,
  openWriteScope,
  runInWriteScope,
  type WriteScope
} from '../lib/records/record-writer.js'

/**
 * Gives every request a write scope (see record-writer.ts): the handler runs
 * inside it, and the work its writes deferred (asking for lead scoring) runs
 * in onSend, after the handler and so after its transaction, before the
 * answer leaves (lead scoring is its first user). Its failures are
 * logged, never answered. Worker jobs get one each in src/worker.ts.
 */
export function registerWriteScope (app: FastifyInstance) {
  const scopes = new WeakMap<FastifyRequest, WriteScope>()
  // preHandler runs after the body is parsed; the rest of the request runs
  // inside the storage entered here.
  app.addHook('preHandler', (request, _reply, done) => {
    const scope = openWriteScope(app.deps)
    scopes.set(request, scope)
    runInWriteScope(scope, done)
  })
  app.addHook('onSend', async (request, _reply, payload) => {
    const scope = scopes.get(request)
    scopes.delete(request)
    if (scope !== undefined && scope.batches.size > 0) await closeWriteScope(scope)
    return payload
  })
}
