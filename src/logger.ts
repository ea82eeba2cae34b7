import pino, { type Logger } from 'pino'

/**
 * Credentials and personal data never reach the logs: headers that carry
 * them and any field with such a name, at any of the first levels.
 */
const SENSITIVE = [
  'authorization', 'cookie', 'password', 'passwordHash', 'token', 'accessToken', 'secret',
  'secretHash', 'apiKey', 'email', 'phone', 'mobilePhone', 'firstName', 'lastName'
]

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE,
  ...SENSITIVE.map((k) => `*.${k}`),
  ...SENSITIVE.map((k) => `*.*.${k}`)
]

export function createLogger (level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'crm-api', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime
  })
}
