import type { FastifyInstance, FastifyRequest } from 'fastify'
import { TrackingLinkNotFoundError } from './tracking.errors.js'
import { PAGE_HEADERS, UNSUBSCRIBE_CONFIRM_PAGE, UNSUBSCRIBED_PAGE } from './tracking.page.js'
import {
  ClickQuerySchema,
  linkProblems,
  MultipartBodySchema,
  OneClickBodySchema,
  PixelResponse,
  RedirectResponse,
  TokenParamsSchema,
  UnsubscribeConfirmPageResponse,
  UnsubscribedPageResponse
} from './tracking.schemas.js'
import { recordTrackingEvent } from './tracking.service.js'
import {
  type TrackingClaims,
  type TrackingKind,
  trackingKey,
  verifyToken
} from './tracking.tokens.js'

/** A 1×1 GIF whose one pixel is transparent (42 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

const SAFE_LOCATION = /^https?:\/\/[\x21-\x7e]+$/

/** One-click bodies are a line of form data; nothing bigger is taken. */
const FORM_LIMIT = 4096

/**
 * Tokens are capabilities (one unsubscribes a person): the request log
 * gets the route, never the token or the target URL.
 */
const logSerializers = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: request.routeOptions.url,
    remoteAddress: request.ip
  })
}

const TOKEN_RULES = 'The token is signed (HMAC-SHA256) for one member of one campaign, one message ' +
  'and one kind of link; anything forged, altered, cut short or of another kind answers 404 and ' +
  'records nothing. A token of a campaign or member deleted since records nothing'

/**
 * The public links inside campaign email (see trackMessage): the open
 * pixel, click redirects and unsubscribe, with no credentials. HEAD
 * requests (link checkers) answer alike and record nothing.
 */
export async function trackingRoutes (app: FastifyInstance) {
  const key = trackingKey(app.deps)

  const claimsOf = (request: FastifyRequest, kind: TrackingKind, url?: string): TrackingClaims => {
    const { token } = request.params as { token: string }
    const claims = verifyToken(key, token, kind, url)
    if (claims === undefined) throw new TrackingLinkNotFoundError('this link is not valid')
    return claims
  }

  const record = async (request: FastifyRequest, claims: TrackingClaims) => {
    if (request.method === 'HEAD') return
    const outcome = await recordTrackingEvent(app.deps, claims)
    const { workspaceId, campaignId, memberId, kind } = claims
    request.log.info(
      { workspaceId, campaignId, memberId, event: kind, ...outcome },
      'campaign email engagement'
    )
  }

  // The reader gets the image or the redirect whatever happens to the record;
  // a failed record is logged, and lost.
  const recordQuietly = (request: FastifyRequest, claims: TrackingClaims) =>
    record(request, claims).catch((err) => {
      request.log.error({ err, workspaceId: claims.workspaceId }, 'engagement not recorded')
    })

  app.get('/v1/tracking/open/:token', {
    config: { public: true },
    logSerializers,
    schema: {
      tags: ['Tracking'],
      operationId: 'trackEmailOpen',
      summary: 'The open pixel of a campaign email',
      description: 'Answers a 1×1 transparent GIF (never cached) and records that the member ' +
        'opened the message: status opened when it is lower on the ladder, and openedAt when ' +
        `still empty, also for a member past opened or at an outcome. ${TOKEN_RULES}, and still ` +
        'answers the image. A repeated open changes nothing. A lead member is rescored.',
      security: [],
      params: TokenParamsSchema,
      response: { 200: PixelResponse, ...linkProblems(400) }
    }
  }, async (request, reply) => {
    const claims = claimsOf(request, 'open')
    await recordQuietly(request, claims)
    return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL)
  })

  app.get('/v1/tracking/click/:token', {
    config: { public: true },
    logSerializers,
    schema: {
      tags: ['Tracking'],
      operationId: 'trackLinkClick',
      summary: 'A click-tracking redirect of a campaign email',
      description: 'Redirects (302) to `url`, which must be the URL the token was signed for: a ' +
        'click only ever leads to a link that was in the message. Records that the member clicked ' +
        '(status clicked when lower on the ladder; clickedAt, and openedAt, when still empty, ' +
        `whatever the status). ${TOKEN_RULES}, and still redirects. A repeated click changes ` +
        'nothing. A lead member is rescored. Other query parameters are ignored.',
      security: [],
      params: TokenParamsSchema,
      querystring: ClickQuerySchema,
      response: { 302: RedirectResponse, ...linkProblems(400) }
    }
  }, async (request, reply) => {
    const { url } = request.query as { url?: string }
    const claims = claimsOf(request, 'click', url)
    // Signed URLs are WHATWG-normalised, plain ASCII; a header never gets anything else.
    if (!SAFE_LOCATION.test(url as string)) throw new TrackingLinkNotFoundError('this link is not valid')
    await recordQuietly(request, claims)
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(url as string, 302)
  })

  const UNSUBSCRIBE_RULES = 'Sets the member unsubscribed (from any step of the ladder; a ' +
    'member at an outcome keeps it, with unsubscribedAt set when empty) and the person\'s ' +
    'emailOptOut, so that no campaign emails them again. Repeating it changes nothing. ' +
    `${TOKEN_RULES}, except that the person of a member removed from the campaign is still opted ` +
    'out; the page is the same either way.'

  // Mail scanners and link previews follow every link of a message, so the link only
  // asks; the button on the page (a POST, which link followers do not send) unsubscribes.
  app.get('/v1/unsubscribe/:token', {
    config: { public: true },
    logSerializers,
    schema: {
      tags: ['Tracking'],
      operationId: 'unsubscribeByLink',
      summary: 'The unsubscribe page of campaign email (the link in a message)',
      description: 'Opens a small HTML page that asks the reader to confirm, and records nothing: ' +
        'a mail scanner or link preview that follows every link of a message unsubscribes no one. ' +
        'The page\'s button posts the form `List-Unsubscribe=One-Click` ' +
        '(application/x-www-form-urlencoded) back to this same URL, which unsubscribes ' +
        '(unsubscribeOneClick). The token is checked as the POST checks it: one forged, altered, ' +
        'cut short or of another kind answers 404. A valid token of a campaign or member deleted ' +
        'since gets the page too. The page shows nothing of the person, nor the token.',
      security: [],
      params: TokenParamsSchema,
      response: { 200: UnsubscribeConfirmPageResponse, ...linkProblems(400) }
    }
  }, async (request, reply) => {
    claimsOf(request, 'unsubscribe')
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(UNSUBSCRIBE_CONFIRM_PAGE)
  })

  // Only this route takes form bodies; elsewhere they stay a 415.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string)))
    )
    // RFC 8058 allows multipart too; the POST itself is the request, so its parts are not read.
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_request, body, done) => done(null, body)
    )

    scope.post('/v1/unsubscribe/:token', {
      config: { public: true },
      logSerializers,
      schema: {
        tags: ['Tracking'],
        operationId: 'unsubscribeOneClick',
        summary: 'Unsubscribe from campaign email (the page\'s button, or RFC 8058 one-click)',
        description: 'Unsubscribes, and answers a small HTML page that confirms it. Two callers ' +
          'send it: the button of the page the link in a message opens (unsubscribeByLink), a ' +
          'browser form post of `List-Unsubscribe=One-Click`; and a mailbox provider when the ' +
          'reader presses its own unsubscribe button (RFC 8058, from List-Unsubscribe-Post): the ' +
          'List-Unsubscribe URL of the message with the same body. The body is ' +
          'application/x-www-form-urlencoded (checked: a form without `List-Unsubscribe=One-Click`, ' +
          'an empty one included, is a 400) or multipart/form-data (accepted as it is); a request ' +
          'with no body and no Content-Type is accepted too. ' +
          UNSUBSCRIBE_RULES,
        security: [],
        params: TokenParamsSchema,
        body: {
          content: {
            'application/x-www-form-urlencoded': { schema: OneClickBodySchema },
            'multipart/form-data': { schema: MultipartBodySchema }
          }
        },
        response: { 200: UnsubscribedPageResponse, ...linkProblems(400, 413, 415) }
      }
    }, async (request, reply) => {
      await record(request, claimsOf(request, 'unsubscribe'))
      return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(UNSUBSCRIBED_PAGE)
    })
  })
}
