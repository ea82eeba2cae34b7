import { createHmac, randomUUID } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import {
  signToken,
  TOKEN_LENGTH,
  TRACKING_KINDS,
  type TrackingClaims,
  trackingKey,
  verifyToken
} from '../../../src/modules/tracking/tracking.tokens.js'
import { testConfig, TEST_JWT_SECRET } from '../../helper.js'

// The token format on its own, no app: what verifies and what never does.

const deps = { config: testConfig(), jwtSecret: TEST_JWT_SECRET }
const key = trackingKey(deps)

const claims = fc.record({
  kind: fc.constantFrom(...TRACKING_KINDS),
  workspaceId: fc.uuid(),
  campaignId: fc.uuid(),
  memberId: fc.uuid(),
  sendId: fc.uuid()
})
const url = fc.webUrl({ withQueryParameters: true, withFragments: true })
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const urlFor = (c: TrackingClaims, u: string) => (c.kind === 'click' ? u : undefined)
const lower = (c: TrackingClaims): TrackingClaims => ({
  kind: c.kind,
  workspaceId: c.workspaceId.toLowerCase(),
  campaignId: c.campaignId.toLowerCase(),
  memberId: c.memberId.toLowerCase(),
  sendId: c.sendId.toLowerCase()
})

t.test('a signed token verifies to exactly its claims, and is short', async (t) => {
  fc.assert(fc.property(claims, url, (c, u) => {
    const token = signToken(key, c, urlFor(c, u))
    if (token.length !== TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return false
    const verified = verifyToken(key, token, c.kind, urlFor(c, u))
    return JSON.stringify(verified) === JSON.stringify(lower(c))
  }), { numRuns: 300 })
  t.equal(TOKEN_LENGTH, 110)
})

t.test('any change to a token makes it fail', async (t) => {
  const tampered = fc.oneof(
    // one character replaced by another
    fc.record({ at: fc.nat(), by: fc.constantFrom(...BASE64URL) }).map(({ at, by }) =>
      (token: string) => {
        const i = at % token.length
        return by === token[i] ? undefined : token.slice(0, i) + by + token.slice(i + 1)
      }),
    // cut short
    fc.nat().map((n) => (token: string) => token.slice(0, n % token.length)),
    // grown
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => (token: string) => token + s),
    // any other string
    fc.string({ maxLength: 130 }).map((s) => (token: string) => (s === token ? undefined : s))
  )
  fc.assert(fc.property(claims, url, tampered, (c, u, change) => {
    const token = signToken(key, c, urlFor(c, u))
    const changed = change(token)
    return changed === undefined || verifyToken(key, changed, c.kind, urlFor(c, u)) === undefined
  }), { numRuns: 2000 })
  t.pass('no tampered token verified')
})

t.test('a token is bound to its member, its URL and its kind', async (t) => {
  fc.assert(fc.property(claims, claims, url, url, (a, b, ua, ub) => {
    const ta = signToken(key, a, urlFor(a, ua))
    const tb = signToken(key, b, urlFor(b, ub))
    // The payload of one with the MAC of the other (a member swap).
    const swapped = Buffer.concat([
      Buffer.from(tb, 'base64url').subarray(0, 66),
      Buffer.from(ta, 'base64url').subarray(66)
    ]).toString('base64url')
    const sameClaims = JSON.stringify(lower(a)) === JSON.stringify(lower(b))
    if (!sameClaims && verifyToken(key, swapped, b.kind, urlFor(b, ub)) !== undefined) return false
    if (!sameClaims && verifyToken(key, swapped, a.kind, urlFor(a, ua)) !== undefined) return false
    // Another URL for a click.
    if (a.kind === 'click' && ua !== ub && verifyToken(key, ta, 'click', ub) !== undefined) return false
    // The same token on another route.
    for (const kind of TRACKING_KINDS) {
      if (kind === a.kind) continue
      if (verifyToken(key, ta, kind, kind === 'click' ? ua : undefined) !== undefined) return false
    }
    return true
  }), { numRuns: 500 })
  t.pass('bound')
})

t.test('the key is TRACKING_SECRET, or derived from the JWT secret but never it', async (t) => {
  const c: TrackingClaims = {
    kind: 'open',
    workspaceId: randomUUID(),
    campaignId: randomUUID(),
    memberId: randomUUID(),
    sendId: randomUUID()
  }
  t.not(key.toString('utf8'), TEST_JWT_SECRET)
  t.equal(key.length, 32)
  // A token signed with the raw JWT secret does not verify.
  const token = signToken(key, c)
  const payload = Buffer.from(token, 'base64url').subarray(0, 66)
  const forged = Buffer.concat([
    payload,
    createHmac('sha256', TEST_JWT_SECRET).update(payload).digest().subarray(0, 16)
  ]).toString('base64url')
  t.equal(verifyToken(key, forged, 'open'), undefined)
  t.ok(verifyToken(key, token, 'open'))

  const secret = 's'.repeat(40)
  const own = trackingKey({ config: testConfig({ TRACKING_SECRET: secret }), jwtSecret: TEST_JWT_SECRET })
  t.equal(own.toString('utf8'), secret)
  t.equal(verifyToken(own, token, 'open'), undefined, 'another key, another token')
  const other = trackingKey({ config: testConfig(), jwtSecret: 'x'.repeat(40) })
  t.equal(verifyToken(other, token, 'open'), undefined, 'another JWT secret, another key')
})

t.test('signing refuses what it cannot bind', async (t) => {
  const c = { workspaceId: randomUUID(), campaignId: randomUUID(), memberId: randomUUID(), sendId: randomUUID() }
  t.throws(() => signToken(key, { ...c, kind: 'click' }))
  t.throws(() => signToken(key, { ...c, kind: 'open' }, 'https://example.com/'))
  t.throws(() => signToken(key, { ...c, memberId: 'not-a-uuid', kind: 'open' }))
  const token = signToken(key, { ...c, kind: 'click' }, 'https://example.com/')
  t.equal(verifyToken(key, token, 'click'), undefined, 'a click without its URL')
})
