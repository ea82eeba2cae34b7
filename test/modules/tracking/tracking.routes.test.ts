import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { trackMessage } from '../../../src/modules/tracking/tracking.message.js'
import { PAGE_HEADERS, UNSUBSCRIBED_PAGE } from '../../../src/modules/tracking/tracking.page.js'
import {
  type MessageRecipient,
  signToken,
  type TrackingKind,
  trackingKey
} from '../../../src/modules/tracking/tracking.tokens.js'
import { convertLead } from '../../fixtures/leads.js'
import { assertProblem, PROBLEM_CONTENT_TYPE } from '../../fixtures/problems.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp, type Response } from '../../helper.js'
import { memberRow, personRow, sentCampaign } from './tracking.fixtures.js'
import { type SubmittedForm, submitForm } from './tracking.form.js'

// The real app on the real Postgres and Redis, with no credentials: the
// links trackMessage writes are followed through HTTP, and the member and
// person rows are read back from the tables.

const app = await buildTestApp(t, { PUBLIC_URL: 'https://crm.example.com' })
const key = trackingKey(app.deps)
const BASE = 'https://crm.example.com'

const get = (url: string) => app.inject({ method: 'GET', url: url.replace(BASE, '') })
const FORM = 'application/x-www-form-urlencoded'
const oneClick = (url: string, payload = 'List-Unsubscribe=One-Click', type = FORM) =>
  app.inject({ method: 'POST', url: url.replace(BASE, ''), payload, headers: { 'content-type': type } })

/** Sends a form as the browser would, to this server (the form may not post elsewhere). */
function send (form: SubmittedForm) {
  if (new URL(form.url).origin !== BASE) throw new Error(`the form posts to ${form.url}`)
  return app.inject({
    method: form.method as 'POST',
    url: form.url.replace(BASE, ''),
    payload: form.body,
    headers: { 'content-type': form.contentType }
  })
}

/** Opens an unsubscribe link and presses the button of its page, as a reader does. */
async function unsubscribeByPage (link: string) {
  const page = await get(link)
  if (page.statusCode !== 200) throw new Error(`${link}: ${page.statusCode} ${page.body}`)
  return send(submitForm(page.body, new URL(link, BASE).href))
}

const linkFor = (recipient: MessageRecipient, kind: TrackingKind, target?: string) => {
  const token = signToken(key, { ...recipient, kind }, target)
  if (kind === 'open') return `/v1/tracking/open/${token}`
  if (kind === 'unsubscribe') return `/v1/unsubscribe/${token}`
  return `/v1/tracking/click/${token}?url=${encodeURIComponent(target as string)}`
}

/** The links of a message as trackMessage writes them for the recipient. */
function messageFor (recipient: MessageRecipient, targets: string[]) {
  const html = `<html><body>${targets.map((u) => `<a href="${u}">x</a>`).join('')}</body></html>`
  const out = trackMessage(app.deps, recipient, { html, text: 'Hi' })
  const hrefs = [...(out.html as string).matchAll(/href="([^"]+)"/g)].map((m) => decodeHtml(m[1] as string))
  return {
    clicks: hrefs.filter((h) => h.includes('/v1/tracking/click/')),
    bodyUnsubscribe: hrefs.filter((h) => h.includes('/v1/unsubscribe/')),
    open: /<img src="([^"]+)"/.exec(out.html as string)?.[1] as string,
    unsubscribe: (out.headers['List-Unsubscribe'] as string).slice(1, -1),
    headers: out.headers,
    text: out.text as string
  }
}

const decodeHtml = (s: string) =>
  s.replaceAll('&quot;', '"').replaceAll('&#39;', '\'').replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&')
const isTime = (value: unknown) => value instanceof Date
const tokenOf = (link: string) => (link.split('?')[0] as string).split('/').pop() as string

/** Both unsubscribe pages keep out of frames, caches and referrers, and load nothing. */
function assertPageHeaders (t: Test, res: Response) {
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  for (const [name, value] of Object.entries(PAGE_HEADERS)) t.equal(res.headers[name], value, name)
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, /default-src 'none'/)
  t.match(csp, /form-action 'self'/, 'the button may post here, and only here')
  t.match(csp, /frame-ancestors 'none'/)
}

t.test('an open answers the pixel and records the open once', async (t) => {
  const ws = await createWorkspace(app)
  const { lead } = await sentCampaign(app, ws)
  const links = messageFor(lead.recipient, [])

  const res = await get(links.open)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/gif')
  t.equal(res.headers['cache-control'], 'no-store')
  const gif = res.rawPayload
  t.equal(gif.subarray(0, 6).toString(), 'GIF89a')
  t.same([gif.readUInt16LE(6), gif.readUInt16LE(8)], [1, 1], '1×1')
  t.equal(gif.at(-1), 0x3b, 'a complete GIF')
  const opened = await memberRow(app, lead.recipient)
  t.equal(opened.status, 'opened')
  t.ok(isTime(opened.openedAt))
  t.equal(opened.clickedAt, null)

  const again = await get(links.open)
  t.equal(again.statusCode, 200)
  const after = await memberRow(app, lead.recipient)
  t.equal(after.version, opened.version, 'a repeated open writes nothing')
  t.same(after.openedAt, opened.openedAt)

  const head = await app.inject({ method: 'HEAD', url: links.open.replace(BASE, '') })
  t.equal(head.statusCode, 200)
})

t.test('a click redirects to the link and records click and open', async (t) => {
  const ws = await createWorkspace(app)
  const { contact } = await sentCampaign(app, ws)
  const target = 'https://shop.example.com/spring?utm_source=crm&x=%C3%A4#buy'
  const links = messageFor(contact.recipient, [target.replace('&', '&amp;'), 'mailto:a@example.com'])
  t.equal(links.clicks.length, 1, 'mailto is not tracked')

  // A link checker's HEAD is answered alike and records nothing.
  const head = await app.inject({ method: 'HEAD', url: (links.clicks[0] as string).replace(BASE, '') })
  t.equal(head.statusCode, 302)
  t.equal((await memberRow(app, contact.recipient)).status, 'sent')

  const res = await get(links.clicks[0] as string)
  t.equal(res.statusCode, 302, res.body)
  t.equal(res.headers.location, target)
  t.equal(res.headers['cache-control'], 'no-store')
  const clicked = await memberRow(app, contact.recipient)
  t.equal(clicked.status, 'clicked')
  t.ok(isTime(clicked.clickedAt))
  t.ok(isTime(clicked.openedAt), 'a click proves the open')

  // An open after the click keeps the status; a second click writes nothing.
  await get(links.open)
  await get(links.clicks[0] as string)
  const after = await memberRow(app, contact.recipient)
  t.equal(after.status, 'clicked')
  t.equal(after.version, clicked.version)
})

t.test('events never move a member down the ladder, but fill empty times', async (t) => {
  const ws = await createWorkspace(app)
  const { lead, contact } = await sentCampaign(app, ws)
  // A member marked responded by a user, and one that bounced.
  for (const [m, status] of [[lead, 'responded'], [contact, 'bounced']] as const) {
    const res = await ws.request({
      method: 'PATCH',
      url: `/v1/campaigns/${m.recipient.campaignId}/members/${m.recipient.memberId}`,
      payload: { status }
    })
    t.equal(res.statusCode, 200, res.body)
  }
  const target = 'https://example.com/'
  for (const m of [lead, contact]) {
    t.equal((await get(linkFor(m.recipient, 'open'))).statusCode, 200)
    t.equal((await get(linkFor(m.recipient, 'click', target))).statusCode, 302)
  }
  const responded = await memberRow(app, lead.recipient)
  t.equal(responded.status, 'responded')
  t.ok(isTime(responded.openedAt) && isTime(responded.clickedAt))
  const bounced = await memberRow(app, contact.recipient)
  t.equal(bounced.status, 'bounced')
  t.ok(isTime(bounced.openedAt) && isTime(bounced.clickedAt))
})

t.test('the unsubscribe link only asks, and its button unsubscribes member and person, idempotently', async (t) => {
  const ws = await createWorkspace(app)
  const { lead, contact } = await sentCampaign(app, ws)
  const leadLinks = messageFor(lead.recipient, [])
  t.equal(leadLinks.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
  t.ok(leadLinks.text.endsWith(`Unsubscribe: ${leadLinks.unsubscribe}\n`))
  t.same(leadLinks.bodyUnsubscribe, [leadLinks.unsubscribe], 'the body links to the page the header names')
  const memberBefore = await memberRow(app, lead.recipient)
  const personBefore = await personRow(app, lead.person)

  // The link, opened twice (a scanner, then the reader) and checked by HEAD: a page, no write.
  const page = await get(leadLinks.unsubscribe)
  t.equal(page.statusCode, 200, page.body)
  assertPageHeaders(t, page)
  t.match(page.body, /<h1>Unsubscribe\?<\/h1>/)
  t.notMatch(page.body, /You are unsubscribed/)
  t.notOk(page.body.includes(tokenOf(leadLinks.unsubscribe)), 'the token is not written into the page')
  t.equal((await get(leadLinks.unsubscribe)).body, page.body, 'the same page for every reader')
  const head = await app.inject({ method: 'HEAD', url: leadLinks.unsubscribe.replace(BASE, '') })
  t.equal(head.statusCode, 200)
  t.same(await memberRow(app, lead.recipient), memberBefore, 'the page writes nothing to the member')
  t.same(await personRow(app, lead.person), personBefore, 'nor to the person')

  // Its button: the one-click form, posted back to the very URL of the page.
  const form = submitForm(page.body, leadLinks.unsubscribe)
  t.same(form, {
    method: 'POST', url: leadLinks.unsubscribe, contentType: FORM, body: 'List-Unsubscribe=One-Click'
  })
  const done = await send(form)
  t.equal(done.statusCode, 200, done.body)
  assertPageHeaders(t, done)
  t.equal(done.body, UNSUBSCRIBED_PAGE)
  t.notMatch(done.body, /<form/)
  const member = await memberRow(app, lead.recipient)
  t.equal(member.status, 'unsubscribed')
  t.ok(isTime(member.unsubscribedAt))
  const person = await personRow(app, lead.person)
  t.equal(person.emailOptOut, true)

  // Pressed again (or the page opened again): nothing more is written.
  t.equal((await send(form)).statusCode, 200)
  t.equal((await get(leadLinks.unsubscribe)).statusCode, 200)
  t.equal((await memberRow(app, lead.recipient)).version, member.version)
  t.equal((await personRow(app, lead.person)).version, person.version)

  // RFC 8058 one-click, as a mailbox provider sends it.
  const contactLinks = messageFor(contact.recipient, [])
  const res = await oneClick(contactLinks.unsubscribe)
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.body, UNSUBSCRIBED_PAGE, 'the page the button gets')
  t.equal((await memberRow(app, contact.recipient)).status, 'unsubscribed')
  t.equal((await personRow(app, contact.person)).emailOptOut, true)
  const multipart = await oneClick(
    contactLinks.unsubscribe,
    '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
    'multipart/form-data; boundary=b'
  )
  t.equal(multipart.statusCode, 200, multipart.body)
  t.equal((await app.inject({ method: 'POST', url: contactLinks.unsubscribe.replace(BASE, '') })).statusCode, 200)

  // The one-click route takes forms only as RFC 8058 says, and nothing else opens up.
  const link = contactLinks.unsubscribe
  assertProblem(t, await oneClick(link, 'List-Unsubscribe=Other'), 400, 'CRM_VALIDATION_ERROR')
  // The page's form carries the field, so an empty form is no request of ours.
  assertProblem(t, await oneClick(link, ''), 400, 'CRM_VALIDATION_ERROR')
  assertProblem(t, await oneClick(link, 'x', 'text/plain'), 415, 'CRM_UNSUPPORTED_MEDIA_TYPE')
  assertProblem(t, await oneClick(link, 'a='.padEnd(5000, 'x')), 413, 'CRM_PAYLOAD_TOO_LARGE')
  const elsewhere = await ws.request({
    method: 'POST',
    url: '/v1/leads',
    payload: 'firstName=A&lastName=B',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  assertProblem(t, elsewhere, 415, 'CRM_UNSUPPORTED_MEDIA_TYPE')
})

t.test('an unsubscribe is honoured from an outcome, after an opt-in, and for a removed member', async (t) => {
  const ws = await createWorkspace(app)
  const { lead, contact } = await sentCampaign(app, ws)
  const memberUrl = (m: typeof lead) =>
    `/v1/campaigns/${m.recipient.campaignId}/members/${m.recipient.memberId}`

  // Bounced stays bounced, but the person is opted out and the time recorded.
  await ws.request({ method: 'PATCH', url: memberUrl(lead), payload: { status: 'bounced' } })
  t.equal((await unsubscribeByPage(linkFor(lead.recipient, 'unsubscribe'))).statusCode, 200)
  const bounced = await memberRow(app, lead.recipient)
  t.equal(bounced.status, 'bounced')
  t.ok(isTime(bounced.unsubscribedAt))
  t.equal((await personRow(app, lead.person)).emailOptOut, true)

  // Opted in again by a user, then the link once more: out again.
  const optIn = await ws.request({
    method: 'PATCH', url: `/v1/leads/${lead.person.id}`, payload: { emailOptOut: false }
  })
  t.equal(optIn.statusCode, 200, optIn.body)
  await unsubscribeByPage(linkFor(lead.recipient, 'unsubscribe'))
  t.equal((await personRow(app, lead.person)).emailOptOut, true)

  // Removed from the campaign: open and click record nothing (and still answer),
  // the unsubscribe still opts the person out.
  const removed = await ws.request({ method: 'DELETE', url: memberUrl(contact) })
  t.equal(removed.statusCode, 204, removed.body)
  const before = await memberRow(app, contact.recipient)
  t.equal((await get(linkFor(contact.recipient, 'open'))).statusCode, 200)
  const click = await get(linkFor(contact.recipient, 'click', 'https://example.com/x'))
  t.equal(click.statusCode, 302)
  t.equal(click.headers.location, 'https://example.com/x')
  t.equal((await unsubscribeByPage(linkFor(contact.recipient, 'unsubscribe'))).statusCode, 200)
  const after = await memberRow(app, contact.recipient)
  t.equal(after.version, before.version, 'a removed member is not written')
  t.equal(after.openedAt, null)
  t.equal((await personRow(app, contact.person)).emailOptOut, true)
})

t.test('an unsubscribe of a converted lead\'s message', async (t) => {
  const ws = await createWorkspace(app)
  const { lead } = await sentCampaign(app, ws)
  const converted = await convertLead(ws, lead.person.id, { createOpportunity: false })
  t.equal(converted.statusCode, 200, converted.body)
  const contactId = converted.json().contact.id as string

  t.equal((await unsubscribeByPage(linkFor(lead.recipient, 'unsubscribe'))).statusCode, 200)
  t.equal((await memberRow(app, lead.recipient)).status, 'unsubscribed')
  const contact = await personRow(app, { kind: 'contact', id: contactId })
  t.equal(contact.emailOptOut, true, 'the contact the lead became is opted out')
})

t.test('a token of workspace A never touches workspace B', async (t) => {
  const a = await createWorkspace(app, 'Tracking A')
  const b = await createWorkspace(app, 'Tracking B')
  const inA = await sentCampaign(app, a)
  const inB = await sentCampaign(app, b)
  const beforeB = await memberRow(app, inB.lead.recipient)
  const personB = await personRow(app, inB.lead.person)

  // Validly signed, but naming A's workspace with B's campaign and member.
  const crossed = { ...inB.lead.recipient, workspaceId: a.workspaceId }
  const mixed = { ...inA.lead.recipient, memberId: inB.lead.recipient.memberId }
  for (const recipient of [crossed, mixed]) {
    for (const kind of ['open', 'click', 'unsubscribe'] as const) {
      const res = await get(linkFor(recipient, kind, kind === 'click' ? 'https://example.com/' : undefined))
      t.ok(res.statusCode < 500, `${kind}: ${res.statusCode}`)
    }
    const res = await oneClick(linkFor(recipient, 'unsubscribe'))
    t.ok(res.statusCode < 500, `one-click: ${res.statusCode}`)
  }
  const afterB = await memberRow(app, inB.lead.recipient)
  t.equal(afterB.version, beforeB.version, 'B\'s member is untouched')
  t.equal(afterB.status, 'sent')
  t.same(await personRow(app, inB.lead.person), personB, 'B\'s person is untouched')
  t.equal((await memberRow(app, inA.lead.recipient)).status, 'sent', 'A\'s member is untouched too')
})

/** A forged link answers 404 problem+json and leaves the member as it was. */
async function assertRefused (res: Response, what: string) {
  if (res.statusCode !== 404) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
  if (res.headers['content-type'] !== PROBLEM_CONTENT_TYPE) throw new Error(`${what}: not problem+json`)
  const body = res.json()
  if (body.code !== 'CRM_TRACKING_LINK_NOT_FOUND' || body.status !== 404) {
    throw new Error(`${what}: ${res.body}`)
  }
}

t.test('a forged unsubscribe link answers the 404 problem, not the page, and writes nothing', async (t) => {
  const ws = await createWorkspace(app)
  const { lead } = await sentCampaign(app, ws)
  const memberBefore = await memberRow(app, lead.recipient)
  const personBefore = await personRow(app, lead.person)
  const token = tokenOf(linkFor(lead.recipient, 'unsubscribe'))
  const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
  const forged = {
    'a changed MAC': flipped,
    'an open token': tokenOf(linkFor(lead.recipient, 'open')),
    'another key': signToken(Buffer.from('another-tracking-secret-of-32-characters!'),
      { ...lead.recipient, kind: 'unsubscribe' }),
    'made up': 'nope'
  }
  for (const [what, bad] of Object.entries(forged)) {
    const res = await get(`/v1/unsubscribe/${bad}`)
    const problem = assertProblem(t, res, 404, 'CRM_TRACKING_LINK_NOT_FOUND')
    t.equal(problem.detail, 'this link is not valid', what)
    t.notMatch(res.body, /<form/, `${what}: no page`)
    t.same(Object.keys(problem).sort(), ['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type'])
    assertProblem(t, await oneClick(`/v1/unsubscribe/${bad}`), 404, 'CRM_TRACKING_LINK_NOT_FOUND')
  }
  t.same(await memberRow(app, lead.recipient), memberBefore, 'the member is untouched')
  t.same(await personRow(app, lead.person), personBefore, 'the person is untouched')
})

t.test('tampered, truncated, swapped and forged links answer 404 and change nothing', async (t) => {
  const ws = await createWorkspace(app)
  const { lead, contact } = await sentCampaign(app, ws)
  const target = 'https://shop.example.com/spring'
  const before = await memberRow(app, lead.recipient)
  const leadLinks = {
    open: linkFor(lead.recipient, 'open'),
    click: linkFor(lead.recipient, 'click', target),
    unsubscribe: linkFor(lead.recipient, 'unsubscribe')
  }
  const contactClick = linkFor(contact.recipient, 'click', target)
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

  const change = fc.oneof(
    fc.record({ at: fc.nat(), by: fc.constantFrom(...ALPHABET) }).map(({ at, by }) => (tok: string) => {
      const i = at % tok.length
      return by === tok[i] ? `${tok}A` : tok.slice(0, i) + by + tok.slice(i + 1)
    }),
    fc.nat().map((n) => (tok: string) => tok.slice(0, 1 + (n % (tok.length - 1)))),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).map((s) => (tok: string) => tok + s),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,150}$/).map((s) => () => s),
    // The payload of the contact's click token with the lead's MAC.
    fc.constant((tok: string) => {
      const other = Buffer.from(tokenOf(contactClick), 'base64url').subarray(0, 66)
      return Buffer.concat([other, Buffer.from(tok, 'base64url').subarray(66)]).toString('base64url')
    })
  )
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('open', 'click', 'unsubscribe-get', 'unsubscribe-post'),
    change,
    async (route, alter) => {
      const link = route === 'open' ? leadLinks.open : route === 'click' ? leadLinks.click : leadLinks.unsubscribe
      const altered = link.replace(tokenOf(link), alter(tokenOf(link)))
      const res = route === 'unsubscribe-post' ? await oneClick(altered) : await get(altered)
      await assertRefused(res, `${route} ${altered}`)
    }
  ), { numRuns: 120 })

  // The right token with another URL, none, or a token of another kind.
  const clickToken = tokenOf(leadLinks.click)
  await fc.assert(fc.asyncProperty(fc.webUrl({ withQueryParameters: true }), async (url) => {
    if (url === target) return
    await assertRefused(await get(`/v1/tracking/click/${clickToken}?url=${encodeURIComponent(url)}`), url)
  }), { numRuns: 40 })
  await assertRefused(await get(`/v1/tracking/click/${clickToken}`), 'no url')
  await assertRefused(await get(`/v1/tracking/open/${clickToken}`), 'click token as open')
  await assertRefused(await get(`/v1/unsubscribe/${tokenOf(leadLinks.open)}`), 'open token as unsubscribe')
  await assertRefused(
    await get(`/v1/tracking/click/${tokenOf(leadLinks.open)}?url=${encodeURIComponent(target)}`),
    'open token as click'
  )
  // Signed with another key (a TRACKING_SECRET this server does not have).
  const otherKey = Buffer.from('another-tracking-secret-of-32-characters!')
  const foreign = signToken(otherKey, { ...lead.recipient, kind: 'open' })
  await assertRefused(await get(`/v1/tracking/open/${foreign}`), 'another key')

  const problem = assertProblem(t, await get('/v1/tracking/open/nope'), 404, 'CRM_TRACKING_LINK_NOT_FOUND')
  t.same(Object.keys(problem).sort(), ['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type'])
  const huge = await get(`/v1/tracking/open/${'A'.repeat(500)}`)
  t.ok(huge.statusCode >= 400 && huge.statusCode < 500, `an overlong token is a 4xx: ${huge.statusCode}`)

  const after = await memberRow(app, lead.recipient)
  t.equal(after.version, before.version, 'nothing was recorded')
  t.equal(after.status, 'sent')
  t.equal((await personRow(app, lead.person)).emailOptOut, false)
})

t.test('a click only ever leads where the message linked', async (t) => {
  const ws = await createWorkspace(app)
  const { lead } = await sentCampaign(app, ws)
  await fc.assert(fc.asyncProperty(
    fc.array(fc.webUrl({ withQueryParameters: true, withFragments: true }), { minLength: 1, maxLength: 4 }),
    async (targets) => {
      const hrefs = targets.map((u) => u.replaceAll('&', '&amp;').replaceAll('"', '&quot;'))
      const links = messageFor(lead.recipient, hrefs)
      const expected = new Set(targets.map((u) => new URL(u).href))
      if (links.clicks.length !== targets.length) throw new Error('a link was not tracked')
      for (const click of links.clicks) {
        const res = await get(click)
        if (res.statusCode !== 302) throw new Error(`${click}: ${res.statusCode} ${res.body}`)
        if (!expected.has(res.headers.location as string)) {
          throw new Error(`${click} led to ${res.headers.location}`)
        }
      }
    }
  ), { numRuns: 25 })
  const member = await memberRow(app, lead.recipient)
  t.equal(member.status, 'clicked')
})

t.test('the routes need no credentials and are documented', async (t) => {
  type Operation = { tags: string[], security: unknown[] }
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> }
  const routes = [
    ['/v1/tracking/open/{token}', 'get'],
    ['/v1/tracking/click/{token}', 'get'],
    ['/v1/unsubscribe/{token}', 'get'],
    ['/v1/unsubscribe/{token}', 'post']
  ] as const
  for (const [path, method] of routes) {
    const op = doc.paths[path]?.[method]
    t.same(op?.tags, ['Tracking'], `${method} ${path}`)
    t.same(op?.security, [])
  }
  // The page says it only asks; the POST says it unsubscribes, for its two callers.
  type Documented = { summary: string, description: string, responses: Record<string, Record<string, unknown>> }
  const page = doc.paths['/v1/unsubscribe/{token}']?.get as unknown as Documented
  const button = doc.paths['/v1/unsubscribe/{token}']?.post as unknown as Documented
  t.match(page.description, /asks the reader to confirm, and records nothing/)
  t.match(page.responses['200']?.description, /Nothing is recorded/)
  t.ok(Object.keys(page.responses['200']?.headers ?? {}).includes('Content-Security-Policy'))
  t.match(button.summary, /the page's button, or RFC 8058 one-click/)
  t.match(button.description, /^Unsubscribes/)
  t.match(button.responses['200']?.description, /confirms the unsubscribe/)
  // A forged token of a never-used member: the same 404 as any other.
  const stranger = {
    workspaceId: randomUUID(), campaignId: randomUUID(), memberId: randomUUID(), sendId: randomUUID()
  }
  const res = await get(linkFor(stranger, 'open'))
  t.equal(res.statusCode, 200, 'a valid signature of nobody records nothing and answers the pixel')
})
