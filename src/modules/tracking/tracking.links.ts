import type { Config } from '../../config.js'
import type { AppDeps } from '../../deps.js'
import { type MessageRecipient, signToken, trackingKey } from './tracking.tokens.js'

/** Where the public tracking routes live, below the base URL. */
export const OPEN_PATH = '/v1/tracking/open/'
export const CLICK_PATH = '/v1/tracking/click/'
export const UNSUBSCRIBE_PATH = '/v1/unsubscribe/'

/**
 * The absolute base of every link in a message: PUBLIC_URL when configured
 * (it may carry a path prefix, and should be set wherever mail leaves the
 * machine), otherwise the server's own address `http://HOST:PORT`. A
 * wildcard HOST (0.0.0.0, ::) is no address to link to, so it becomes
 * localhost; an IPv6 host is bracketed. No trailing slash.
 */
export function trackingBaseUrl (config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (config.PUBLIC_URL !== undefined) return config.PUBLIC_URL.replace(/\/+$/, '')
  const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::' || config.HOST === '[::]'
  const host = wildcard ? 'localhost' : config.HOST
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `http://${bracketed}:${config.PORT}`
}

/** The links of one message, signed once with one key. */
export interface MessageLinks {
  base: string
  open: string
  unsubscribe: string
  click: (url: string) => string
}

export function messageLinks (
  deps: Pick<AppDeps, 'config' | 'jwtSecret'>,
  recipient: MessageRecipient
): MessageLinks {
  const key = trackingKey(deps)
  const base = trackingBaseUrl(deps.config)
  const sign = (kind: 'open' | 'unsubscribe') => signToken(key, { ...recipient, kind })
  return {
    base,
    open: `${base}${OPEN_PATH}${sign('open')}`,
    unsubscribe: `${base}${UNSUBSCRIBE_PATH}${sign('unsubscribe')}`,
    click: (url) =>
      `${base}${CLICK_PATH}${signToken(key, { ...recipient, kind: 'click' }, url)}` +
      `?url=${encodeURIComponent(url)}`
  }
}

/** The unsubscribe link of one recipient, for a renderer that fills it itself. */
export function unsubscribeUrl (
  deps: Pick<AppDeps, 'config' | 'jwtSecret'>,
  recipient: MessageRecipient
): string {
  return messageLinks(deps, recipient).unsubscribe
}
