import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import type { AppDeps } from '../../../src/deps.js'
import { rewriteLinks } from '../../../src/modules/tracking/tracking.html.js'
import {
  trackingBaseUrl,
  trackMessage,
  UNSUBSCRIBE_PLACEHOLDER,
  unsubscribeUrl
} from '../../../src/modules/tracking/tracking.message.js'
import { trackingKey, verifyToken } from '../../../src/modules/tracking/tracking.tokens.js'
import { testConfig, TEST_JWT_SECRET } from '../../helper.js'

// trackMessage on its own (it does no I/O): which links it rewrites, to
// what, and what it adds. The routes test follows the links for real.

const BASE = 'https://crm.example.com/base'
const deps = {
  config: testConfig({ PUBLIC_URL: `${BASE}/` }),
  jwtSecret: TEST_JWT_SECRET
} as unknown as AppDeps
const key = trackingKey(deps)
const recipient = {
  workspaceId: randomUUID(),
  campaignId: randomUUID(),
  memberId: randomUUID(),
  sendId: randomUUID()
}
const UNSUBSCRIBE = unsubscribeUrl(deps, recipient)

const encodeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('\'', '&#39;')
    .replaceAll('<', '&lt;').replaceAll('>', '&gt;')
const decodeHtml = (s: string) =>
  s.replaceAll('&quot;', '"').replaceAll('&#39;', '\'').replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&')

/** The click link's target, when `href` is a click link whose token verifies for it. */
function clickTarget (href: string): string | undefined {
  const url = new URL(href)
  const prefix = '/base/v1/tracking/click/'
  if (url.origin !== 'https://crm.example.com' || !url.pathname.startsWith(prefix)) return undefined
  const target = url.searchParams.get('url') ?? undefined
  const claims = verifyToken(key, url.pathname.slice(prefix.length), 'click', target)
  if (JSON.stringify(claims) !== JSON.stringify({ kind: 'click', ...recipient })) return undefined
  return target
}

t.test('the base URL is PUBLIC_URL, or the server\'s own address', async (t) => {
  const base = (env: Record<string, string>) => trackingBaseUrl(testConfig(env))
  t.equal(base({ PUBLIC_URL: 'https://crm.example.com/x//' }), 'https://crm.example.com/x')
  t.equal(base({ HOST: '10.0.0.5', PORT: '8080' }), 'http://10.0.0.5:8080')
  t.equal(base({ HOST: '0.0.0.0', PORT: '3000' }), 'http://localhost:3000')
  t.equal(base({ HOST: '::1', PORT: '3000' }), 'http://[::1]:3000')
  t.equal(base({}), 'http://127.0.0.1:3000')
  t.ok(UNSUBSCRIBE.startsWith(`${BASE}/v1/unsubscribe/`))
})

t.test('rewrites http(s) links to signed redirects and leaves the others alone', async (t) => {
  const html = '<html><body>' +
    '<a href="https://shop.example.com/a?x=1&amp;y=2#top">Shop</a>' +
    '<a class=\'c\' href=\'http://example.com/b\' title="a > b">B</a>' +
    '<A HREF=https://example.com/c>C</A>' +
    '<a href="mailto:ada@example.com">Mail</a><a href="tel:+4930123">Call</a>' +
    '<a href="#section">Jump</a><a href="/relative">Rel</a><a name="n">No href</a>' +
    '<a href="https://example.com/{{firstName}}">Unrendered</a>' +
    `<a href="${UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a>` +
    '<v:roundrect href="https://example.com/button" arcsize="10%"></v:roundrect>' +
    '<abbr href="https://example.com/not-a-link">x</abbr>' +
    '</body></html>'
  const out = trackMessage(deps, recipient, { html, text: null })
  const link = /<(?:a|v:roundrect|abbr)\b[^>]*?href=("[^"]*"|'[^']*'|[^\s>]+)/gi
  const hrefs = [...(out.html as string).matchAll(link)]
    .map((m) => decodeHtml((m[1] as string).replace(/^["']|["']$/g, '')))
  const targets = hrefs.map((h) => (h.includes('/v1/tracking/click/') ? clickTarget(h) : h))
  t.same(targets, [
    'https://shop.example.com/a?x=1&y=2#top',
    'http://example.com/b',
    'https://example.com/c',
    'mailto:ada@example.com',
    'tel:+4930123',
    '#section',
    '/relative',
    'https://example.com/{{firstName}}',
    UNSUBSCRIBE,
    'https://example.com/button',
    'https://example.com/not-a-link'
  ])
  t.match(out.html, /title="a > b">B<\/a>/, 'other attributes are kept')
  t.equal(out.text, null)
})

t.test('reads markup as a browser does, in one pass', async (t) => {
  const mark = (href: string) => `${href}#t`
  const html = '<p title="<a href=x>">t</p><style>a<a href=y></style><A HREF=z>q</A>' +
    '<!-- <a href=c> --><!--[if mso]><v:roundrect href="v"></v:roundrect><![endif]-->' +
    '<a\nhref = \'w\' href="2">w</a><a href="u"'
  t.equal(rewriteLinks(html, mark), '<p title="<a href=x>">t</p><style>a<a href=y></style>' +
    '<A HREF="z#t">q</A><!-- <a href=c> --><!--[if mso]><v:roundrect href="v#t"></v:roundrect>' +
    '<![endif]--><a\nhref = "w#t" href="2">w</a><a href="u"', 'attribute text, raw text, ' +
    'comments and an unfinished tag are no links; conditional comments and the first href are')

  // Hostile bodies that a backtracking pattern takes quadratic time on.
  const started = performance.now()
  for (const hostile of ['<a href="x" '.repeat(40000), '<a "'.repeat(100000), '<!--'.repeat(100000)]) {
    t.equal(rewriteLinks(hostile, mark), hostile)
  }
  const ms = performance.now() - started
  t.ok(ms < 3000, `hostile markup is read in linear time (${Math.round(ms)} ms)`)
})

t.test('adds one open pixel before </body>, and the unsubscribe link', async (t) => {
  const open = (html: string) => trackMessage(deps, recipient, { html, text: 'Hello' })
  const withBody = open('<html><body><p>Hi</p></body></html>').html as string
  const pixel = /<img src="([^"]+)" width="1" height="1" alt=""[^>]*>/g
  const pixels = [...withBody.matchAll(pixel)]
  t.equal(pixels.length, 1)
  const src = decodeHtml(pixels[0]?.[1] as string)
  t.ok(src.startsWith(`${BASE}/v1/tracking/open/`))
  t.same(verifyToken(key, src.split('/').pop() as string, 'open'), { kind: 'open', ...recipient })
  t.ok(withBody.endsWith('</body></html>'), 'the pixel is inside the body')
  t.ok(withBody.includes(`<a href="${encodeHtml(UNSUBSCRIBE)}">Unsubscribe</a>`), 'a footer')

  const fragment = open('<p>No body tag</p>').html as string
  t.match(fragment, /^<p>No body tag<\/p><p[^>]*>.*Unsubscribe.*<img [^>]+>$/)

  const placed = open(`<body><a href="${UNSUBSCRIBE_PLACEHOLDER}">Leave</a></body>`).html as string
  t.notOk(placed.includes('{{'), 'the placeholder is filled')
  t.equal(placed.split(encodeHtml(UNSUBSCRIBE)).length, 2, 'no footer when the link is placed')
  t.equal(open('').html?.match(pixel)?.length, 1, 'an empty body gets the pixel too')
})

t.test('the text gets the unsubscribe link, placed or appended; headers for one-click', async (t) => {
  const track = (text: string | null, html: string | null = null) =>
    trackMessage(deps, recipient, { html, text })
  t.equal(track(`Bye: ${UNSUBSCRIBE_PLACEHOLDER}`).text, `Bye: ${UNSUBSCRIBE}`)
  t.equal(track('Bye: {{ unsubscribeUrl }}').text, `Bye: ${UNSUBSCRIBE}`)
  t.equal(track('Hello\n\n').text, `Hello\n\nUnsubscribe: ${UNSUBSCRIBE}\n`)
  t.equal(track('').text, `Unsubscribe: ${UNSUBSCRIBE}\n`)
  t.equal(track(`Already: ${UNSUBSCRIBE}`).text, `Already: ${UNSUBSCRIBE}`)
  const both = track(null, null)
  t.same(both, {
    html: null,
    text: null,
    headers: {
      'List-Unsubscribe': `<${UNSUBSCRIBE}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
    }
  })
  // The same input gives the same output: a retried send renders the same message.
  t.same(track('x', '<a href="https://example.com">y</a>'), track('x', '<a href="https://example.com">y</a>'))
})

const hrefArb = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((u) => `${u}?a=1&b=${encodeURIComponent('ä ö')}`),
  fc.webUrl().map((u) => `  ${u.toUpperCase().replace('HTTP', 'HtTp')}  `),
  fc.constantFrom('mailto:x@example.com', 'tel:123', '#top', '/path', 'javascript:alert(1)', ''),
  fc.string({ maxLength: 30 })
)

t.test('every link goes exactly where it went, through a redirect only if http(s)', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.tuple(hrefArb, fc.constantFrom('"', '\''), fc.string({ maxLength: 12 })), { maxLength: 8 }),
    (links) => {
      const anchors = links.map(([href, q, label], i) =>
        `<p>${encodeHtml(label)}</p><a data-i="${i}" href=${q}${encodeHtml(href)}${q}>${encodeHtml(label)}</a>`
      )
      const html = `<body>${anchors.join('')}</body>`
      const out = trackMessage(deps, recipient, { html, text: null }).html as string
      const rewritten = new Set<string>()
      links.forEach(([href, q], i) => {
        const found = new RegExp(`data-i="${i}" href=("[^"]*"|'[^']*')`).exec(out)
        if (found === null) throw new Error(`link ${i} is gone`)
        const value = decodeHtml((found[1] as string).slice(1, -1))
        let expected: string | undefined
        try {
          const url = new URL(href.trim())
          if (/^https?:$/.test(url.protocol) && /^https?:/i.test(href.trim())) expected = url.href
        } catch {}
        if (expected === undefined) {
          if (value !== href || !found[1]?.startsWith(q)) throw new Error(`${href} was changed to ${value}`)
          return
        }
        const target = clickTarget(value)
        if (target !== expected) throw new Error(`${href} leads to ${target}, not ${expected}`)
        rewritten.add(target)
      })
      // Nothing else in the output is a click link.
      for (const m of out.matchAll(/https:\/\/crm\.example\.com\/base\/v1\/tracking\/click\/[^"]+/g)) {
        const target = clickTarget(decodeHtml(m[0]))
        if (target === undefined || !rewritten.has(target)) throw new Error(`stray ${m[0]}`)
      }
    }
  ), { numRuns: 300 })
  t.pass('links kept their targets')
})
