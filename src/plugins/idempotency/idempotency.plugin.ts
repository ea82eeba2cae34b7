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
  type IdempotencyRow,
  releaseKey
} from './idempotency.queries.js'

/**
 * Idempotency-Key on POST routes marked `idempotent`. The first request
 * claims the key; its status, body and Location/Content-Location/ETag are
 * stored when it is answered (a 5xx frees the key instead, so a retry runs
 * again). A retry with the same request replays that answer with
 * `Idempotent-Replayed: true`; another request is a 422; a retry while the
 * first runs is a 409.
 *
 * A route marked `idempotent: true` is identified by its JSON body, claimed
 * in a preHandler. A route whose identity is only known inside the handler
 * (an upload, known by its file's checksum once streamed) is marked
 * `idempotent: 'after-body'`: it gets only the onSend hook, and its handler
 * calls claimIdempotencyKey itself once it knows what the request is.
 */

const REPLAYED_HEADERS = ['location', 'content-location', 'etag', 'content-type']

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { workspaceId: string, principal: string, key: string }
  }
}

/** A stored first answer, to be given again with replayIdempotentAnswer. */
export type IdempotentAnswer = Pick<IdempotencyRow, 'responseStatus' | 'responseHeaders' | 'responseBody'>

function requestHash (request: FastifyRequest, content: string): string {
  const path = request.url.split('?')[0] ?? ''
  return createHash('sha256').update(`${request.method} ${path}\n${content}`).digest('hex')
}

/**
 * Claims the request's Idempotency-Key, the request being known by
 * `content` (with its method and path). Undefined when the request has no
 * key or now holds it (the answer is stored when it is sent); the earlier
 * answer when that request already finished. Throws 422 when the key was
 * used for another request and 409 when that request is still running.
 */
export async function claimIdempotencyKey (
  request: FastifyRequest,
  content: string
): Promise<IdempotentAnswer | undefined> {
  const key = request.headers['idempotency-key']
  if (typeof key !== 'string') return undefined
  // Without the onSend hook a claimed key would stay "running" until abandoned.
  const mark = request.routeOptions.config.idempotent
  if (mark !== true && mark !== 'after-body') {
    const route = `${request.method} ${request.routeOptions.url}`
    throw new Error(`${route} claims an Idempotency-Key but is not marked idempotent`)
  }
  const db = request.server.deps.db
  const id = { workspaceId: request.tenant.workspaceId, principal: request.tenant.principal, key }
  const hash = requestHash(request, content)
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await claimKey(db, id, hash)) {
      request.idempotency = id
      return undefined
    }
    const existing = await findKey(db, id)
    if (existing === undefined) continue
    const expired = existing.expiresAt.getTime() <= Date.now()
    const abandoned = existing.state === 'running' &&
      Date.now() - existing.createdAt.getTime() > ABANDONED_AFTER_MS
    if (expired || abandoned) {
      await releaseKey(db, id, existing.createdAt)
      continue
    }
    if (existing.requestHash !== hash) throw new IdempotencyKeyReusedError()
    if (existing.state === 'running') throw new IdempotencyInProgressError()
    return existing
  }
  throw new IdempotencyInProgressError()
}

/** Sends the stored first answer again, marked `Idempotent-Replayed: true`. */
export function replayIdempotentAnswer (reply: FastifyReply, answer: IdempotentAnswer): FastifyReply {
  reply.code(answer.responseStatus ?? 200)
  for (const [name, value] of Object.entries(answer.responseHeaders ?? {})) reply.header(name, value)
  reply.header('idempotent-replayed', 'true')
  return reply.serializer((p: unknown) => p as string).send(answer.responseBody ?? '')
}

async function idempotencyPlugin (app: FastifyInstance) {
  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const earlier = await claimIdempotencyKey(request, JSON.stringify(request.body ?? null))
    if (earlier !== undefined) return replayIdempotentAnswer(reply, earlier)
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
    const mark = route.config?.idempotent
    if (mark === undefined || mark === false) return
    if (mark === true) route.preHandler = [...asList(route.preHandler), preHandler as preHandlerHookHandler]
    route.onSend = [...asList(route.onSend), onSend as onSendHookHandler]
  })
}

function asList<T> (value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['auth'] })
