import fc from 'fast-check'
import t from 'tap'
import { addressRefusal } from '../../../src/lib/net/address-policy.js'
import { DownloadError } from '../../../src/lib/net/net.errors.js'
import { pinnedLookup, resolveAllowedAddress, urlRefusal } from '../../../src/lib/net/safe-lookup.js'

// The SSRF guard of URL import sources, as pure functions, over generated
// addresses in each forbidden range; plus a real DNS lookup of localhost.

const STRICT = { allowPrivate: false }
const LENIENT = { allowPrivate: true }

/** A random IPv4 address inside `base/bits`, as a dotted quad. */
const ipv4In = (base: string, bits: number) => {
  const start = base.split('.').reduce((n, o) => n * 256 + Number(o), 0)
  const size = 2 ** (32 - bits)
  return fc.integer({ min: 0, max: size - 1 }).map((offset) => {
    const n = start + offset
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
  })
}

/** A random IPv6 address whose first 16-bit group lies in [low, high]. */
const ipv6With = (low: number, high: number) =>
  fc.tuple(
    fc.integer({ min: low, max: high }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 })
  )
    .map(([first, rest]) => [first, ...rest].map((g) => g.toString(16)).join(':'))

// Reached only when the server allows private networks.
const PRIVATE_V4: [string, string, number][] = [
  ['is a loopback address', '127.0.0.0', 8],
  ['is a private address', '10.0.0.0', 8],
  ['is a private address', '172.16.0.0', 12],
  ['is a private address', '192.168.0.0', 16],
  ['is a link-local address', '169.254.0.0', 16],
  ['is a carrier-grade NAT address', '100.64.0.0', 10]
]

// Never reached.
const NEVER_V4: [string, string, number][] = [
  ['is an unspecified address', '0.0.0.0', 8],
  ['is a multicast address', '224.0.0.0', 4],
  ['is a reserved address', '240.0.0.0', 5],
  ['is a reserved address', '192.0.2.0', 24]
]

const PUBLIC_V4: [string, number][] = [['8.0.0.0', 8], ['1.0.0.0', 16], ['151.101.0.0', 16], ['93.184.0.0', 16]]

t.test('IPv4: private ranges are refused unless allowed', async (t) => {
  for (const [expected, base, bits] of PRIVATE_V4) {
    fc.assert(fc.property(ipv4In(base, bits), (ip) => {
      const refusal = addressRefusal(ip, STRICT)
      return refusal === expected && addressRefusal(ip, LENIENT) === undefined
    }), { numRuns: 300 })
    t.pass(`${base}/${bits}: ${expected}`)
  }
  t.equal(addressRefusal('169.254.169.254', STRICT), 'is a link-local address', 'the metadata service')
})

t.test('IPv4: unspecified, multicast, broadcast and reserved are always refused', async (t) => {
  for (const [expected, base, bits] of NEVER_V4) {
    fc.assert(fc.property(ipv4In(base, bits), (ip) =>
      addressRefusal(ip, STRICT) === expected && addressRefusal(ip, LENIENT) !== undefined
    ), { numRuns: 300 })
    t.pass(`${base}/${bits}: ${expected}`)
  }
  t.equal(addressRefusal('255.255.255.255', LENIENT), 'is a broadcast address')
})

t.test('IPv4: public addresses pass', async (t) => {
  for (const [base, bits] of PUBLIC_V4) {
    fc.assert(fc.property(ipv4In(base, bits), (ip) => addressRefusal(ip, STRICT) === undefined), { numRuns: 300 })
    t.pass(`${base}/${bits}`)
  }
})

t.test('IPv4-mapped IPv6 addresses are judged as the IPv4 address', async (t) => {
  for (const [expected, base, bits] of [...PRIVATE_V4, ...NEVER_V4]) {
    const mapped = ipv4In(base, bits).map((ip) => `::ffff:${ip}`)
    fc.assert(fc.property(mapped, (ip) => addressRefusal(ip, STRICT) === expected), { numRuns: 200 })
  }
  t.equal(addressRefusal('::ffff:7f00:1', STRICT), 'is a loopback address', 'hex form of ::ffff:127.0.0.1')
  t.equal(addressRefusal('::ffff:a9fe:a9fe', STRICT), 'is a link-local address', 'hex form of the metadata service')
  t.equal(addressRefusal('::ffff:127.0.0.1', LENIENT), undefined, 'allowed when private networks are')
  t.equal(addressRefusal('::ffff:8.8.8.8', STRICT), undefined, 'a mapped public address passes')
})

t.test('IPv6: loopback, unique local, link-local, multicast and tunnels are refused', async (t) => {
  t.equal(addressRefusal('::1', STRICT), 'is a loopback address')
  t.equal(addressRefusal('::', STRICT), 'is an unspecified address')
  t.equal(addressRefusal('::', LENIENT), 'is an unspecified address', 'unspecified even when private is allowed')
  fc.assert(fc.property(ipv6With(0xfc00, 0xfdff), (ip) =>
    addressRefusal(ip, STRICT) === 'is a unique local (private) address' && addressRefusal(ip, LENIENT) === undefined
  ), { numRuns: 300 })
  fc.assert(fc.property(ipv6With(0xfe80, 0xfebf), (ip) =>
    addressRefusal(ip, STRICT) === 'is a link-local address' && addressRefusal(ip, LENIENT) === undefined
  ), { numRuns: 300 })
  t.equal(addressRefusal('fe80::1', STRICT), 'is a link-local address')
  t.equal(addressRefusal('fe80::1%eth0', STRICT), 'is a link-local address', 'with a zone id')
  fc.assert(fc.property(ipv6With(0xff00, 0xffff), (ip) =>
    addressRefusal(ip, LENIENT) === 'is a multicast address'
  ), { numRuns: 300 })
  t.equal(addressRefusal('64:ff9b::7f00:1', LENIENT), 'is a NAT64 address', 'NAT64 of 127.0.0.1')
  t.equal(addressRefusal('2002:7f00:1::', LENIENT), 'is a 6to4 address')
  t.equal(addressRefusal('2001::1', LENIENT), 'is a Teredo address')
  t.equal(addressRefusal('2001:db8::1', STRICT), 'is a reserved address', 'documentation range')
  fc.assert(fc.property(ipv6With(0x2600, 0x2a0f), (ip) => addressRefusal(ip, STRICT) === undefined), { numRuns: 300 })
  t.equal(addressRefusal('2606:4700:4700::1111', STRICT), undefined, 'a public IPv6 address passes')
})

t.test('what is not an address is refused', async (t) => {
  fc.assert(fc.property(fc.string(), (s) => {
    const refusal = addressRefusal(s, LENIENT)
    return refusal === undefined || typeof refusal === 'string'
  }))
  t.equal(addressRefusal('localhost', LENIENT), 'is not an IP address')
  t.equal(addressRefusal('', LENIENT), 'is not an IP address')
})

t.test('URLs: https only, with a host and no credentials', async (t) => {
  t.equal(urlRefusal('https://exports.example.com/a.csv'), undefined)
  t.equal(urlRefusal('http://exports.example.com/a.csv'), 'must use https')
  t.equal(urlRefusal('file:///etc/passwd'), 'must use https')
  t.equal(urlRefusal('gopher://x.example/'), 'must use https')
  t.equal(urlRefusal('https://user@x.example/'), 'must not carry credentials')
  t.equal(urlRefusal('https://:pw@x.example/'), 'must not carry credentials')
  t.equal(urlRefusal('not a url'), 'is not a valid URL')
})

t.test('resolving checks every address after DNS', async (t) => {
  const localhost = await resolveAllowedAddress('localhost', STRICT).catch((err) => err)
  t.ok(localhost instanceof DownloadError, 'localhost is refused')
  t.match(localhost, { reason: 'address_refused', isPermanent: true })
  t.equal(localhost.message, 'localhost resolves to an address that is a loopback address; URL sources may not reach it')
  t.notMatch(localhost.message, /127\.0\.0\.1|::1/, 'the address itself is not told')
  t.match(await resolveAllowedAddress('localhost', LENIENT), { address: /^(127\.0\.0\.1|::1)$/ })

  const literal = await resolveAllowedAddress('10.1.2.3', STRICT).catch((err) => err)
  t.match(literal, { reason: 'address_refused', message: /^10\.1\.2\.3 is a private address/ })
  t.same(await resolveAllowedAddress('8.8.8.8', STRICT), { address: '8.8.8.8', family: 4 })

  const missing = await resolveAllowedAddress('no-such-host.invalid', STRICT).catch((err) => err)
  t.match(missing, { reason: 'dns' })
})

t.test('the pinned lookup answers the checked address in both call shapes', async (t) => {
  const lookup = pinnedLookup({ address: '93.184.216.34', family: 4 })
  const single = await new Promise((resolve) => {
    lookup('rebinding.example', {}, (err, address, family) => resolve({ err, address, family }))
  })
  t.same(single, { err: null, address: '93.184.216.34', family: 4 })
  const all = await new Promise((resolve) => {
    lookup('rebinding.example', { all: true }, (err, addresses) => resolve({ err, addresses }))
  })
  t.same(all, { err: null, addresses: [{ address: '93.184.216.34', family: 4 }] })
})
