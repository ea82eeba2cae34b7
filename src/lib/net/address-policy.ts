import ipaddr from 'ipaddr.js'

/**
 * Which IP addresses an outgoing request of the server may reach (URL import
 * sources; webhooks later). Default deny: only addresses that ipaddr.js
 * classifies as global unicast pass. Loopback, RFC 1918 private, link-local
 * (169.254.0.0/16 holds the cloud metadata service), unique local
 * (fc00::/7) and carrier-grade NAT (100.64.0.0/10) pass only when the
 * policy allows private networks. Unspecified, broadcast, multicast,
 * reserved and documentation ranges, and the IPv6 forms that embed or tunnel
 * an IPv4 address (NAT64, 6to4, Teredo), never pass. An IPv4-mapped IPv6
 * address (::ffff:10.0.0.1) is judged as the IPv4 address it maps.
 */
export interface AddressPolicy {
  /** Also reach loopback, private, link-local, unique local and CGNAT addresses. */
  allowPrivate: boolean
}

const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat'])

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback',
  private: 'a private',
  linkLocal: 'a link-local',
  uniqueLocal: 'a unique local (private)',
  carrierGradeNat: 'a carrier-grade NAT',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  reserved: 'a reserved',
  rfc6052: 'a NAT64',
  rfc6145: 'an IPv4-translated',
  '6to4': 'a 6to4',
  teredo: 'a Teredo',
  ipv4Mapped: 'an IPv4-compatible'
}

/**
 * Why the policy refuses `address` (an IPv4 or IPv6 literal, as DNS answers
 * it), or undefined when it may be reached. Something that is not an IP
 * address is refused.
 */
export function addressRefusal (address: string, policy: AddressPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return 'is not an IP address'
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  }
  const range = parsed.range()
  if (range === 'unicast') return undefined
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return undefined
  return `is ${RANGE_NAMES[range] ?? `a special-purpose (${range})`} address`
}
