import { lookup } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { type AddressPolicy, addressRefusal } from './address-policy.js'
import { DownloadError } from './net.errors.js'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/**
 * Why a URL may not be fetched by the server, or undefined: only https,
 * with a host and without credentials (they would be sent to whoever the
 * host is, and end up in logs and job records).
 */
export function urlRefusal (raw: string | URL): string | undefined {
  let url: URL
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw
  } catch {
    return 'is not a valid URL'
  }
  if (url.protocol !== 'https:') return 'must use https'
  if (url.username !== '' || url.password !== '') return 'must not carry credentials'
  if (url.hostname === '') return 'must name a host'
  return undefined
}

/** A URL's host without the brackets of an IPv6 literal. */
export const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')

/**
 * Resolves a host and checks every address it resolves to against the
 * policy: one refused address refuses the host, since a resolver may hand
 * out a public and a private address and the connection could take either.
 * An IP literal is checked as it is. Throws DownloadError.
 */
export async function resolveAllowedAddress (host: string, policy: AddressPolicy): Promise<ResolvedAddress> {
  const literal = isIP(host)
  if (literal !== 0) {
    const refusal = addressRefusal(host, policy)
    if (refusal !== undefined) throw refused(`${host} ${refusal}`)
    return { address: host, family: literal as 4 | 6 }
  }
  let answers: { address: string, family: number }[]
  try {
    answers = await lookup(host, { all: true, verbatim: true })
  } catch (err) {
    const code = (err as { code?: string }).code
    // NXDOMAIN will not fix itself between retries; a resolver hiccup may.
    const isPermanent = code === 'ENOTFOUND' || code === 'ENODATA'
    throw new DownloadError(`${host} does not resolve (${code ?? 'error'})`, 'dns', isPermanent, { cause: err })
  }
  if (answers.length === 0) throw new DownloadError(`${host} does not resolve`, 'dns', true)
  for (const answer of answers) {
    // The address itself is not told: it would map the inside of the network.
    const refusal = addressRefusal(answer.address, policy)
    if (refusal !== undefined) throw refused(`${host} resolves to an address that ${refusal}`)
  }
  const first = answers[0] as { address: string, family: number }
  return { address: first.address, family: first.family === 6 ? 6 : 4 }
}

const refused = (message: string) =>
  new DownloadError(`${message}; URL sources may not reach it`, 'address_refused', true)

/**
 * A `lookup` for http(s).request that answers the address already checked,
 * whatever the name: the socket connects to exactly that address, so a DNS
 * answer that changes between the check and the connection (DNS rebinding)
 * changes nothing. Node asks with `all: true` when it races address
 * families; both call shapes are answered.
 */
export function pinnedLookup (target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true
    if (all) {
      (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(null, [target])
    } else {
      callback(null, target.address, target.family)
    }
  }
}
