import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { request } from 'node:https'
import { isIP } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { rootCertificates } from 'node:tls'
import { ByteMeter } from '../streams/byte-meter.js'
import type { AddressPolicy } from './address-policy.js'
import { DownloadError } from './net.errors.js'
import { bareHost, pinnedLookup, resolveAllowedAddress, urlRefusal } from './safe-lookup.js'

/**
 * Downloads one file over HTTPS for the server itself (URL import sources),
 * so the URL is the caller's and must not reach inside the network: every
 * hop's host is resolved and checked against the address policy after DNS
 * resolution, and the socket connects to the checked address (pinned
 * lookup), so a second DNS answer cannot swap it. Redirects are followed a
 * few times, each re-checked; the body streams to disk with its sha256 and
 * is cut off past `maxBytes`.
 */
export interface DownloadOptions extends AddressPolicy {
  /** Larger bodies fail with `too_large`, announced or not. */
  maxBytes: number
  /** Default 3. */
  maxRedirects?: number
  /** Socket inactivity (connect, TLS, headers, body), ms; default 30 s. */
  idleTimeoutMs?: number
  /** The whole download, redirects included, ms; default 15 min. */
  totalTimeoutMs?: number
  /** Aborts the download (a worker shutting down). */
  signal?: AbortSignal
  /** Extra trusted CA certificates (PEM), added to the system's: a private PKI, a test server. */
  ca?: string
}

export interface Downloaded {
  /** Bytes written. */
  size: number
  /** sha256 of the body, hex. */
  checksum: string
  /** The URL that answered, after redirects. */
  finalUrl: string
  /** The last segment of the final URL's path, when it has one. */
  fileName: string | null
  contentType: string | null
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** Downloads `url` into `destination` (created; removed again on failure). Throws DownloadError. */
export async function downloadToFile (
  url: string,
  destination: string,
  options: DownloadOptions
): Promise<Downloaded> {
  const timeout = AbortSignal.timeout(options.totalTimeoutMs ?? 15 * 60_000)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  try {
    const { response, finalUrl } = await follow(url, options, signal)
    const length = Number(response.headers['content-length'])
    if (Number.isFinite(length) && length > options.maxBytes) {
      response.destroy()
      throw tooLarge(options.maxBytes)
    }
    const written = await save(response, destination, options.maxBytes, signal)
    return {
      ...written,
      finalUrl: finalUrl.href,
      fileName: lastSegment(finalUrl),
      contentType: response.headers['content-type'] ?? null
    }
  } catch (err) {
    await rm(destination, { force: true })
    throw asDownloadError(err, options.signal, timeout)
  }
}

async function follow (
  start: string,
  options: DownloadOptions,
  signal: AbortSignal
): Promise<{ response: IncomingMessage, finalUrl: URL }> {
  const maxRedirects = options.maxRedirects ?? 3
  let url = new URL(start)
  for (let hop = 0; ; hop++) {
    const refusal = urlRefusal(url)
    if (refusal !== undefined) {
      throw new DownloadError(`the URL ${hop === 0 ? '' : 'redirected to '}${refusal}`, 'invalid_url', true)
    }
    const target = await resolveAllowedAddress(bareHost(url), options)
    const response = await get(url, target, options, signal)
    const status = response.statusCode ?? 0
    const location = response.headers.location
    if (REDIRECTS.has(status) && location !== undefined) {
      response.resume()
      if (hop >= maxRedirects) {
        throw new DownloadError(`more than ${maxRedirects} redirects`, 'redirects', true)
      }
      url = new URL(location, url)
      continue
    }
    if (status !== 200) {
      response.resume()
      // Client errors stay; a timeout, throttling or a server error may pass.
      const isPermanent = status >= 400 && status < 500 && status !== 408 && status !== 429
      throw new DownloadError(`the server answered ${status}`, 'status', isPermanent)
    }
    return { response, finalUrl: url }
  }
}

function get (
  url: URL,
  target: { address: string, family: 4 | 6 },
  options: DownloadOptions,
  signal: AbortSignal
): Promise<IncomingMessage> {
  const host = bareHost(url)
  return new Promise((resolve, reject) => {
    const req = request({
      protocol: 'https:',
      hostname: host,
      port: url.port === '' ? 443 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 'crm-api-import/1', accept: '*/*', 'accept-encoding': 'identity' },
      // A fresh connection each time: a pooled socket would skip the check.
      agent: false,
      lookup: pinnedLookup(target),
      servername: isIP(host) === 0 ? host : undefined,
      ca: options.ca === undefined ? undefined : [...rootCertificates, options.ca],
      signal
    })
    req.setTimeout(options.idleTimeoutMs ?? 30_000, () => {
      req.destroy(new DownloadError('the server stopped answering', 'timeout', false))
    })
    req.once('response', resolve)
    req.on('error', reject)
    req.end()
  })
}

async function save (
  response: IncomingMessage,
  destination: string,
  maxBytes: number,
  signal: AbortSignal
): Promise<{ size: number, checksum: string }> {
  const meter = new ByteMeter(maxBytes, () => tooLarge(maxBytes))
  await pipeline(response, meter, createWriteStream(destination, { flags: 'wx' }), { signal })
  return { size: meter.size, checksum: meter.checksum() }
}

const tooLarge = (maxBytes: number) =>
  new DownloadError(`the file is larger than ${maxBytes} bytes`, 'too_large', true)

function lastSegment (url: URL): string | null {
  const segment = url.pathname.split('/').pop() ?? ''
  try {
    const name = decodeURIComponent(segment)
    return name === '' ? null : name.slice(0, 255)
  } catch {
    return segment.slice(0, 255) || null
  }
}

function asDownloadError (err: unknown, external: AbortSignal | undefined, timeout: AbortSignal): DownloadError {
  if (err instanceof DownloadError) return err
  if (external?.aborted === true) return new DownloadError('the download was aborted', 'aborted', false)
  if (timeout.aborted) return new DownloadError('the download took too long', 'timeout', false)
  const code = (err as { code?: string }).code
  const cause = err instanceof Error ? err.message : String(err)
  // Certificate problems are the server's setup: retrying will not help.
  const isTls = typeof code === 'string' &&
    (code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SELF_SIGNED'))
  return new DownloadError(`the download failed: ${cause}`, 'network', isTls, { cause: err })
}
