import { createHash, randomBytes } from 'node:crypto'

/** API key secrets: `crm_` + 32 random bytes; only their SHA-256 is stored. */
export const API_KEY_PREFIX = 'crm_'

export function newApiKeySecret (): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url')
}

export function hashApiKeySecret (secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function looksLikeApiKey (token: string): boolean {
  return token.startsWith(API_KEY_PREFIX)
}
