import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { problemSlug, problemTitle } from '../lib/errors.js'

const BY_PARSER_CODE: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'CRM_HEADERS_TOO_LARGE', 'the request line or headers are larger than allowed'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'CRM_REQUEST_TIMEOUT', 'the request took too long to arrive']
}

/**
 * Requests Node's HTTP parser refuses (headers or URL too large, garbage on
 * the wire) never reach Fastify's handlers; they still get problem+json.
 */
export function answerClientError (error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return
  const [status, code, detail] = BY_PARSER_CODE[error.code ?? ''] ??
    [400, 'CRM_BAD_REQUEST', 'the request is not valid HTTP']
  const requestId = randomUUID()
  const body = JSON.stringify({
    type: `/problems/${problemSlug(code)}`,
    title: problemTitle(code),
    status,
    detail,
    instance: '/',
    code,
    requestId
  })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/problem+json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${requestId}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  )
}
