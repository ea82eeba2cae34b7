import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'

/**
 * Every setting the API and the workers read, defined once. Nothing else in
 * the code reads process.env: `loadConfig` is called by the entry points and
 * the frozen result is passed down.
 */
export const ConfigSchema = Type.Object({
  ROLE: Type.Enum(['all', 'api', 'worker'], {
    default: 'all',
    description: 'all: API and workers in one process'
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'unset: embedded PostgreSQL under .data/'
    })
  ),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'unset: 127.0.0.1:6379 or a child redis-server'
    })
  ),
  QUEUE_PREFIX: Type.String({
    pattern: '^\\{[A-Za-z0-9_-]{1,40}\\}$',
    default: '{crm}',
    description: 'BullMQ key prefix; the braces keep each queue in one Redis Cluster slot'
  }),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'unset: generated once and kept in .data/' })
  ),
  ACCESS_TOKEN_TTL: Type.Integer({
    minimum: 60, maximum: 86400, default: 3600, description: 'seconds'
  }),
  LOG_LEVEL: Type.Enum(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    { default: 'info' }
  ),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'comma-separated origins; empty allows none'
  }),
  SMTP_URL: Type.Optional(Type.String({
    pattern: '^smtps?://',
    description: 'unset: mail written as .eml under .data/'
  })),
  PUBLIC_URL: Type.Optional(Type.String({
    pattern: '^https?://',
    description: 'base of tracking and unsubscribe links; unset: the server\'s own address'
  })),
  TRACKING_SECRET: Type.Optional(Type.String({
    minLength: 32,
    description: 'signs tracking and unsubscribe tokens; unset: derived from JWT_SECRET'
  })),
  SEND_RATE_PER_SECOND: Type.Integer({
    minimum: 1, maximum: 10000, default: 50, description: 'default messages per second of one campaign'
  }),
  SEND_CLAIM_LEASE_MS: Type.Integer({
    minimum: 1000, maximum: 3600000, default: 60000,
    description: 'a claimed message not recorded as sent within this time is claimed again'
  }),
  SEND_MAX_ATTEMPTS: Type.Integer({
    minimum: 1, maximum: 20, default: 5,
    description: 'delivery attempts of one message before a transient SMTP failure marks it failed'
  }),
  SEND_RETRY_DELAY_MS: Type.Integer({
    minimum: 10, maximum: 86400000, default: 60000,
    description: 'wait before the first retry of a transient SMTP failure; doubles with each attempt'
  }),
  WORKER_LOCK_MS: Type.Integer({
    minimum: 1000, maximum: 600000, default: 30000,
    description: 'BullMQ job lock; a dead worker\'s job is picked up again after about this time'
  }),
  IMPORT_DIR: Type.String({
    minLength: 1, default: '.data/imports', description: 'the folder that scheduled folder imports read'
  }),
  IMPORT_MAX_BYTES: Type.Integer({
    minimum: 1024, maximum: 10737418240, default: 268435456, description: 'largest import file, bytes'
  }),
  IMPORT_ALLOW_PRIVATE_URLS: Type.Boolean({
    default: false,
    description: 'let URL import sources reach loopback, private and link-local addresses'
  }),
  IMPORT_URL_CA_FILE: Type.Optional(Type.String({
    minLength: 1,
    description: 'PEM file of extra CA certificates that URL import sources trust (a private PKI); unset: the system\'s'
  })),
  IMPORT_BATCH_ROWS: Type.Integer({
    minimum: 1, maximum: 100000, default: 5000,
    description: 'rows an import writes per transaction; a killed worker resumes after the last one'
  }),
  SIGNUP_ENABLED: Type.Boolean({ default: true }),
  SEED_DEMO: Type.Boolean({
    default: true,
    description: 'create the demo workspace on first start'
  }),
  DATA_DIR: Type.String({ minLength: 1, default: '.data' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 10000 }),
  BODY_LIMIT: Type.Integer({
    minimum: 1024, maximum: 104857600, default: 1048576, description: 'bytes'
  })
})

export type Config = Readonly<Static<typeof ConfigSchema>>

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`)
  }
}

const BOOLEAN_KEYS = new Set(['SIGNUP_ENABLED', 'SEED_DEMO', 'IMPORT_ALLOW_PRIVATE_URLS'])

function coerce (key: string, raw: string): unknown {
  if (BOOLEAN_KEYS.has(key)) {
    if (raw === 'true' || raw === '1') return true
    if (raw === 'false' || raw === '0') return false
    return raw
  }
  if (/^-?\d+$/.test(raw) && typeof defaultOf(key) === 'number') return Number(raw)
  return raw
}

function defaultOf (key: string): unknown {
  const prop = (ConfigSchema.properties as Record<string, { default?: unknown }>)[key]
  return prop?.default
}

/**
 * Reads the settings from an environment object, applies the defaults and
 * reports every problem at once (throws ConfigError listing all of them).
 * Empty strings count as unset.
 */
export function loadConfig (env: Record<string, string | undefined>): Config {
  const input: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const raw = env[key]
    if (raw !== undefined && raw !== '') input[key] = coerce(key, raw)
  }
  const withDefaults = Value.Default(ConfigSchema, input) as Record<string, unknown>
  const problems = [...Value.Errors(ConfigSchema, withDefaults)].map((e) => {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues
    const message = allowed ? `must be one of ${allowed.join(', ')}` : e.message
    return `${e.instancePath.slice(1) || 'config'} ${message}`
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(withDefaults as Static<typeof ConfigSchema>)
}

export function corsOrigins (config: Config): string[] {
  return config.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean)
}
