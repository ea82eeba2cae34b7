import { createHash } from 'node:crypto'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler
} from 'fastify'
import fp from 'fastify-plugin'
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../../lib/errors.js'
import {
  ABANDONED_AFTER_MS,
  claimKey,
  completeKey,
  findKey,
  releaseKey
} from './idempotency.queries.js'

/**
 * Idempotency-Key on POST routes marked `idempotent`. The first request
 * claims the key; its status, body and Location/ETag are stored when it is
 * answered (a 5xx frees the key instead, so a retry runs again). A retry with
 * the same body replays that answer with `Idempotent-Replayed: true`; another
 * body is a 422; a retry while the first runs is a 409.
 */

const REPLAYED_HEADERS = ['location', 'etag', 'content-type']

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { workspaceId: string, principal: string, key: string }
  }
}

function requestHash (request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? ''
  return createHash('sha256')
    .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex')
}

async function idempotencyPlugin (app: FastifyInstance) {
  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key']
    if (typeof key !== 'string') return
    const id = { workspaceId: request.tenant.workspaceId, principal: request.tenant.principal, key }
    const hash = requestHash(request)
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await claimKey(app.deps.db, id, hash)) {
        request.idempotency = id
        return
      }
      const existing = await findKey(app.deps.db, id)
      if (existing === undefined) continue
      const expired = existing.expiresAt.getTime() <= Date.now()
      const abandoned = existing.state === 'running' &&
        Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS
      if (expired || abandoned) {
        await releaseKey(app.deps.db, id, existing.createdAt)
        continue
      }
      if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError()
      if (existing.state === 'running') throw new IdempotencyInProgressError()
      return replay(reply, existing)
    }
    throw new IdempotencyInProgressError()
  }

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const id = request.idempotency
    if (id === undefined) return payload
    request.idempotency = undefined
    if (reply.statusCode >= 500) {
      await releaseKey(app.deps.db, id)
      return payload
    }
    const headers: Record<string, string> = {}
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    const body = typeof payload === 'string' ? payload : payload == null ? '' : String(payload)
    await completeKey(app.deps.db, id, { status: reply.statusCode, headers, body })
    return payload
  }

  // Only routes that honour the header pay for these hooks.
  app.addHook('onRoute', (route) => {
    if (route.config?.idempotent !== true) return
    route.preHandler = [...asList(route.preHandler), preHandler as preHandlerHookHandler]
    route.onSend = [...asList(route.onSend), onSend as onSendHookHandler]
  })
}

function asList<T> (value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function replay (
  reply: FastifyReply,
  row: {
    responseStatus: number | null
    responseHeaders: Record<string, string> | null
    responseBody: string | null
  }
) {
  reply.code(row.responseStatus ?? 200)
  for (const [name, value] of Object.entries(row.responseHeaders ?? {})) reply.header(name, value)
  reply.header('idempotent-replayed', 'true')
  return reply.serializer((p: unknown) => p as string).send(row.responseBody ?? '')
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['auth'] })
