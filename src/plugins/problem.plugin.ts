import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type CrmError, type FieldError, problemSlug, problemTitle } from '../lib/errors.js'
import { constraintProblem } from '../lib/constraints.js'

/**
 * Turns every error into RFC 9457 problem details: our coded errors, schema
 * validation, Fastify's own refusals (bad URL, JSON, media type, size),
 * database constraint violations, and anything unexpected (a generic 500
 * that reveals nothing but the request id). The 404 handler answers alike.
 */

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: string
  requestId: string
  errors?: FieldError[]
}

interface Mapped {
  status: number
  code: string
  detail: string
  errors?: FieldError[]
}

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
  parentSchema?: Record<string, unknown>
}

const FASTIFY_CODES: Record<string, { code: string, detail?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'CRM_UNSUPPORTED_MEDIA_TYPE', detail: 'the body must be application/json'
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'CRM_PAYLOAD_TOO_LARGE', detail: 'the body is larger than the limit'
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'CRM_BAD_REQUEST', detail: 'the body is empty but declared as application/json'
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'CRM_BAD_REQUEST', detail: 'the body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'CRM_BAD_REQUEST', detail: 'Content-Length does not match the body'
  },
  FST_ERR_BAD_URL: {
    code: 'CRM_BAD_REQUEST', detail: 'the URL is not valid (bad percent-encoding)'
  },
  FST_ERR_CTP_INVALID_TYPE: {
    code: 'CRM_BAD_REQUEST', detail: 'the Content-Type header is not valid'
  },
  FST_ERR_INVALID_URL: { code: 'CRM_BAD_REQUEST', detail: 'the URL is not valid' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'CRM_URI_TOO_LONG', detail: 'a path parameter is longer than allowed'
  }
}

const STATUS_CODES: Record<number, string> = {
  400: 'CRM_BAD_REQUEST',
  401: 'CRM_UNAUTHORIZED',
  403: 'CRM_FORBIDDEN',
  404: 'CRM_ROUTE_NOT_FOUND',
  405: 'CRM_METHOD_NOT_ALLOWED',
  406: 'CRM_NOT_ACCEPTABLE',
  408: 'CRM_REQUEST_TIMEOUT',
  409: 'CRM_CONFLICT',
  413: 'CRM_PAYLOAD_TOO_LARGE',
  414: 'CRM_URI_TOO_LONG',
  415: 'CRM_UNSUPPORTED_MEDIA_TYPE',
  429: 'CRM_TOO_MANY_REQUESTS',
  431: 'CRM_HEADERS_TOO_LARGE',
  503: 'CRM_SERVICE_UNAVAILABLE'
}

function pointerOf (context: string, error: AjvError): string {
  const extra = error.params.missingProperty ?? error.params.additionalProperty
  const path = error.instancePath + (typeof extra === 'string' ? `/${extra}` : '')
  if (context === 'body') return path
  // Parameters are named, not pointed at: "limit", "accountId", "if-match".
  return path.split('/').filter(Boolean)[0] ?? context
}

function messageOf (error: AjvError): string {
  if (error.keyword === 'additionalProperties') return 'is not a known property'
  if (error.keyword === 'required') return 'is required'
  const stated = error.parentSchema?.['x-pattern-message']
  if (error.keyword === 'pattern' && typeof stated === 'string') return stated
  if (error.keyword === 'enum') {
    const allowed = error.params.allowedValues
    return Array.isArray(allowed)
      ? `must be one of ${allowed.join(', ')}`
      : 'is not an allowed value'
  }
  return error.message ?? 'is not valid'
}

/**
 * A nullable field is `anyOf [value, null]`: a bad value fails every branch
 * and once more as anyOf. Keep the value branch's first message only.
 */
function isNoise (v: AjvError, all: AjvError[]): boolean {
  const sameSpot = all.filter((o) =>
    o !== v && o.instancePath === v.instancePath && o.keyword !== 'anyOf')
  if (v.keyword === 'anyOf') return sameSpot.length > 0
  const isNullCheck = (e: AjvError) => e.keyword === 'type' && e.params.type === 'null'
  return isNullCheck(v) && sameSpot.some((o) => !isNullCheck(o))
}

export function validationProblem (context: string, validation: AjvError[]): Mapped {
  const seen = new Set<string>()
  const errors: FieldError[] = []
  for (const v of validation) {
    if (isNoise(v, validation)) continue
    const e = { pointer: pointerOf(context, v), message: messageOf(v) }
    if (seen.has(e.pointer)) continue
    seen.add(e.pointer)
    errors.push(e)
  }
  const where = context === 'body' ? 'body' : context
  const detail = errors
    .slice(0, 3)
    .map((e) => `${where}${e.pointer.startsWith('/') ? e.pointer : ` ${e.pointer}`} ${e.message}`)
    .join('; ')
  return { status: 400, code: 'CRM_VALIDATION_ERROR', detail, errors }
}

export function mapError (
  error: FastifyError & Partial<CrmError> & { validationContext?: string }
): Mapped {
  if (Array.isArray(error.validation)) {
    return validationProblem(
      error.validationContext ?? 'body',
      error.validation as unknown as AjvError[]
    )
  }
  const isCoded = typeof error.code === 'string' && error.code.startsWith('CRM_')
  if (isCoded && error.statusCode !== undefined) {
    return {
      status: error.statusCode, code: error.code, detail: error.message, errors: error.errors
    }
  }
  const known = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined
  if (known !== undefined) {
    return {
      status: error.statusCode ?? 400, code: known.code, detail: known.detail ?? error.message
    }
  }
  const fromDatabase = constraintProblem(error)
  if (fromDatabase !== undefined) return fromDatabase
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, code: STATUS_CODES[status] ?? 'CRM_BAD_REQUEST', detail: error.message }
  }
  return { status: 500, code: 'CRM_INTERNAL_ERROR', detail: 'An unexpected error occurred' }
}

export function problemBody (mapped: Mapped, request: FastifyRequest): ProblemBody {
  const body: ProblemBody = {
    type: `/problems/${problemSlug(mapped.code)}`,
    title: problemTitle(mapped.code),
    status: mapped.status,
    detail: mapped.detail,
    instance: request.url.split('?')[0] ?? request.url,
    code: mapped.code,
    requestId: String(request.id)
  }
  if (mapped.errors !== undefined && mapped.errors.length > 0) body.errors = mapped.errors
  return body
}

export function sendProblem (reply: FastifyReply, body: ProblemBody) {
  return reply
    .code(body.status)
    .type('application/problem+json; charset=utf-8')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(body)
}

async function problemPlugin (app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = mapError(error)
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: mapped.code, status: mapped.status }, 'request refused')
    return sendProblem(reply, problemBody(mapped, request))
  })

  app.setNotFoundHandler((request, reply) => {
    const detail = `No route ${request.method} ${request.url.split('?')[0] ?? ''}`
    const mapped: Mapped = { status: 404, code: 'CRM_ROUTE_NOT_FOUND', detail }
    return sendProblem(reply, problemBody(mapped, request))
  })
}

export default fp(problemPlugin, { name: 'problem' })
