import { Type } from 'typebox'
import { problemResponses, RequestIdHeader } from '../../lib/http/responses.js'
import { PAGE_HEADERS } from './tracking.page.js'
import { TOKEN_LENGTH } from './tracking.tokens.js'

const TOKEN_EXAMPLE = `AQEL${'x'.repeat(TOKEN_LENGTH - 4)}`

/**
 * No pattern and no exact length here: a token that is cut short or
 * grown answers 404 like any other link that does not verify, not 400.
 */
export const TokenParamsSchema = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the signed token of the link, as the message carries it',
      examples: [TOKEN_EXAMPLE]
    })
  },
  { additionalProperties: false }
)

/** Other query parameters (a link checker's additions) are ignored, not refused. */
export const ClickQuerySchema = Type.Object({
  url: Type.Optional(Type.String({
    maxLength: 8192,
    description: 'the target, exactly as the message carries it; the token is signed for this URL ' +
      'and no other',
    examples: ['https://www.example.com/spring?utm_source=crm']
  }))
})

export const OneClickBodySchema = Type.Object(
  { 'List-Unsubscribe': Type.Literal('One-Click') },
  {
    description: 'RFC 8058 one-click unsubscribe, as mailbox providers send it and as the button ' +
      'of the unsubscribe page posts it',
    examples: [{ 'List-Unsubscribe': 'One-Click' }]
  }
)

/** Multipart bodies are accepted and not read: the POST to the token is the request. */
export const MultipartBodySchema = Type.Unknown({
  description: 'RFC 8058 one-click as multipart/form-data (a List-Unsubscribe part); not read',
  examples: ['--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--']
})

const NoStoreHeader = {
  type: 'string',
  description: 'no-store: every load is counted',
  examples: ['no-store']
}

export const PixelResponse = {
  description: 'A 1×1 transparent GIF',
  headers: { 'Cache-Control': NoStoreHeader, 'X-Request-Id': RequestIdHeader },
  content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } }
}

export const RedirectResponse = {
  type: 'null',
  description: 'Found: on to the link\'s target',
  headers: {
    Location: {
      type: 'string',
      description: 'the URL the link was signed for',
      examples: ['https://www.example.com/spring?utm_source=crm']
    },
    'Cache-Control': NoStoreHeader,
    'X-Request-Id': RequestIdHeader
  }
}

/** The headers of both unsubscribe pages (PAGE_HEADERS). */
const PageHeaders = {
  'Cache-Control': {
    type: 'string',
    description: 'no-store: no cache keeps the page of a link that acts for one person',
    examples: ['no-store']
  },
  'Content-Security-Policy': {
    type: 'string',
    description: 'nothing loads but the inline style; the form may post to this origin only; ' +
      'no framing',
    examples: [PAGE_HEADERS['content-security-policy']]
  },
  'X-Request-Id': RequestIdHeader
}

export const UnsubscribeConfirmPageResponse = {
  description: 'A small page that asks the reader to confirm, with one button: a form posted ' +
    'to this same URL with the field `List-Unsubscribe=One-Click`. Nothing is recorded',
  headers: PageHeaders,
  content: { 'text/html': { schema: { type: 'string', examples: ['<!doctype html>…<form method="post">…'] } } }
}

export const UnsubscribedPageResponse = {
  description: 'A small page that confirms the unsubscribe',
  headers: PageHeaders,
  content: { 'text/html': { schema: { type: 'string', examples: ['<!doctype html>…'] } } }
}

/** The problems of a tracking route; a 404 here is a link that does not verify. */
export function linkProblems (...statuses: number[]): Record<number, unknown> {
  const all = problemResponses(404, ...statuses) as Record<number, Record<string, unknown>>
  all[404] = {
    ...all[404],
    description: 'The link is not valid: forged, altered, cut short, or of another kind'
  }
  return all
}
