import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import type { AppDeps } from '../../deps.js'

/**
 * The tokens inside tracking and unsubscribe links. A token is a compact
 * binary payload, signed and base64url-encoded:
 *
 *   version (1 byte) | kind (1) | workspaceId | campaignId | memberId | sendId
 *   (16 bytes each) | HMAC-SHA256 truncated to 16 bytes
 *
 * 82 bytes, 110 characters. The MAC covers the payload and, for a click,
 * the target URL too (which travels beside the token, in the query), so a
 * token names one member, one message, one kind of event and at most one
 * URL: changing any of them breaks the MAC. Tokens do not expire, since an
 * unsubscribe link must keep working long after the message was sent; the
 * version byte is there for a new format or key.
 */

/** Who a message goes to: the ids its tracking tokens are bound to. */
export interface MessageRecipient {
  workspaceId: string
  campaignId: string
  memberId: string
  sendId: string
}

export const TRACKING_KINDS = ['open', 'click', 'unsubscribe'] as const
export type TrackingKind = (typeof TRACKING_KINDS)[number]

export interface TrackingClaims extends MessageRecipient {
  kind: TrackingKind
}

const VERSION = 1
const UUID_BYTES = 16
const PAYLOAD_BYTES = 2 + 4 * UUID_BYTES
const MAC_BYTES = 16
export const TOKEN_LENGTH = Math.ceil(((PAYLOAD_BYTES + MAC_BYTES) * 4) / 3)
const TOKEN_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`)
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The fixed label that separates this key from every other use of JWT_SECRET. */
const KEY_LABEL = 'crm-api tracking tokens v1'

/**
 * The signing key: TRACKING_SECRET when configured, otherwise derived from
 * the JWT secret with HKDF-SHA256 and a fixed label. The JWT secret itself
 * never signs a tracking token, so a token can never pass for a JWT's
 * signature or the other way round.
 */
export function trackingKey (deps: Pick<AppDeps, 'config' | 'jwtSecret'>): Buffer {
  const secret = deps.config.TRACKING_SECRET
  if (secret !== undefined) return Buffer.from(secret, 'utf8')
  return Buffer.from(hkdfSync('sha256', deps.jwtSecret, '', KEY_LABEL, 32))
}

function uuidBytes (id: string): Buffer {
  if (!UUID_PATTERN.test(id)) throw new Error('tracking tokens bind UUIDs only')
  return Buffer.from(id.replaceAll('-', ''), 'hex')
}

function uuidString (bytes: Buffer): string {
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function mac (key: Buffer, payload: Buffer, url: string | undefined): Buffer {
  const hmac = createHmac('sha256', key).update(payload)
  if (url !== undefined) hmac.update(url, 'utf8')
  return hmac.digest().subarray(0, MAC_BYTES)
}

/** Signs a token; `url` is required for a click and refused otherwise. */
export function signToken (key: Buffer, claims: TrackingClaims, url?: string): string {
  if ((claims.kind === 'click') !== (url !== undefined)) {
    throw new Error('a click token binds a URL, and only a click token does')
  }
  const payload = Buffer.concat([
    Buffer.from([VERSION, TRACKING_KINDS.indexOf(claims.kind) + 1]),
    uuidBytes(claims.workspaceId),
    uuidBytes(claims.campaignId),
    uuidBytes(claims.memberId),
    uuidBytes(claims.sendId)
  ])
  return Buffer.concat([payload, mac(key, payload, url)]).toString('base64url')
}

/**
 * The claims of a token of the expected kind whose MAC matches (over the
 * URL too, for a click), or undefined for anything else: wrong length or
 * alphabet, a non-canonical encoding, another version or kind, a bad MAC.
 */
export function verifyToken (
  key: Buffer,
  token: string,
  kind: TrackingKind,
  url?: string
): TrackingClaims | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined
  if ((kind === 'click') !== (url !== undefined)) return undefined
  const bytes = Buffer.from(token, 'base64url')
  // The last character carries spare bits; only the canonical spelling counts.
  if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES || bytes.toString('base64url') !== token) {
    return undefined
  }
  const payload = bytes.subarray(0, PAYLOAD_BYTES)
  const given = bytes.subarray(PAYLOAD_BYTES)
  if (!timingSafeEqual(given, mac(key, payload, url))) return undefined
  if (payload[0] !== VERSION || payload[1] !== TRACKING_KINDS.indexOf(kind) + 1) return undefined
  const id = (i: number) => uuidString(payload.subarray(2 + i * UUID_BYTES, 2 + (i + 1) * UUID_BYTES))
  return { kind, workspaceId: id(0), campaignId: id(1), memberId: id(2), sendId: id(3) }
}
