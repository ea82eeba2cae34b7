import { Type, type TSchema } from 'typebox'
import { ProblemRefSchema } from '../schemas.js'

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation; `errors` points at each problem',
  401: 'Missing, malformed, expired or revoked credentials',
  403: 'The caller\'s role does not allow this action',
  404: 'No such record in the caller\'s workspace',
  409: 'The request conflicts with the current state (duplicate, still referenced, or a retry still running)',
  412: 'If-Match does not match the record\'s current ETag; nothing was changed',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'A referenced record does not exist, or an Idempotency-Key was reused with another body',
  500: 'An unexpected error; the body reveals nothing more than the request id'
}

/** The documented problem answers of an operation, all application/problem+json. */
export function problemResponses (...statuses: number[]): Record<number, unknown> {
  const all = [...new Set([...statuses, 500])].sort()
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: ProblemRefSchema } }
      }
    ])
  )
}

export const RequestIdHeader = { type: 'string', description: 'the request id, also in the logs' }
export const EtagHeader = { type: 'string', description: 'the record version, for If-Match', examples: ['"3"'] }
export const LocationHeader = { type: 'string', description: 'URL of the created record' }

export function jsonResponse (
  description: string,
  schema: TSchema,
  headers: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    description,
    headers: { 'X-Request-Id': RequestIdHeader, ...headers },
    content: { 'application/json': { schema } }
  }
}

export const NoContentResponse = {
  type: 'null',
  description: 'Done; no body',
  headers: { 'X-Request-Id': RequestIdHeader }
}

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({ maxLength: 1000, description: 'an ETag from a previous read; a stale one answers 412' })
  )
})

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'a retry with the same key and body replays the first answer (kept 24 h)'
    })
  )
})
