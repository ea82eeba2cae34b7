import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { UnauthorizedError } from '../lib/errors.js'
import { ROLES, type Role, type Tenant } from '../lib/records/tenant.js'
import { findApiKeyByHash, touchApiKey } from '../modules/api-keys/api-keys.queries.js'
import { hashApiKeySecret, looksLikeApiKey } from '../modules/api-keys/api-keys.secrets.js'
import { assertAllowed } from '../modules/auth/permissions.js'

/**
 * Authentication and authorization for every /v1 route, in one hook.
 * A bearer token is either an access token (HS256 JWT from /v1/auth/token)
 * or an API key secret. The workspace comes only from the credential.
 */

export interface AccessClaims {
  sub: string
  wid: string
  role: Role
  typ: 'access'
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/

async function authPlugin (app: FastifyInstance) {
  const { config, jwtSecret } = app.deps
  await app.register(jwt, {
    secret: jwtSecret,
    sign: { algorithm: 'HS256', expiresIn: config.ACCESS_TOKEN_TTL },
    // Verified tokens are cached (by token, until their expiry): a client
    // sends the same token on every request.
    verify: { algorithms: ['HS256'], cache: 1000 }
  })
  app.decorateRequest('tenant', null as unknown as Tenant)

  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config
    const url = request.routeOptions.url
    if (url === undefined || !url.startsWith('/v1/') || routeConfig.public === true) return
    request.tenant = await authenticate(app, request)
    if (routeConfig.permission !== undefined) assertAllowed(request.tenant.role, routeConfig.permission)
  })
}

async function authenticate (app: FastifyInstance, request: FastifyRequest): Promise<Tenant> {
  const header = request.headers.authorization
  if (header === undefined) throw new UnauthorizedError('an Authorization: Bearer header is required')
  const token = BEARER.exec(header)?.[1]
  if (token === undefined) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"')
  return looksLikeApiKey(token) ? fromApiKey(app, request, token) : fromAccessToken(app, token)
}

function fromAccessToken (app: FastifyInstance, token: string): Tenant {
  let claims: Partial<AccessClaims>
  try {
    claims = app.jwt.verify<Partial<AccessClaims>>(token)
  } catch (err) {
    const code = (err as { code?: string }).code
    const why = code === 'FAST_JWT_EXPIRED'
      ? 'the access token has expired'
      : code === 'FAST_JWT_INACTIVE'
        ? 'the access token is not valid yet'
        : 'the access token is not valid'
    throw new UnauthorizedError(why)
  }
  const { sub, wid, role, typ } = claims
  if (typ !== 'access' || typeof sub !== 'string' || typeof wid !== 'string' || !ROLES.includes(role as Role)) {
    throw new UnauthorizedError('the access token is not valid')
  }
  return { workspaceId: wid, userId: sub, role: role as Role, principal: `user:${sub}` }
}

async function fromApiKey (app: FastifyInstance, request: FastifyRequest, secret: string): Promise<Tenant> {
  const key = await findApiKeyByHash(app.deps.db, hashApiKeySecret(secret))
  if (key === undefined) throw new UnauthorizedError('the API key is not valid')
  if (key.revokedAt !== null) throw new UnauthorizedError('the API key has been revoked')
  if (key.expiresAt !== null && key.expiresAt.getTime() <= Date.now()) {
    throw new UnauthorizedError('the API key has expired')
  }
  if (!key.userIsActive) throw new UnauthorizedError('the API key belongs to a deactivated user')
  if (key.lastUsedAt === null || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    touchApiKey(app.deps.db, key.id).catch((err) => request.log.warn({ err }, 'api key use not recorded'))
  }
  return { workspaceId: key.workspaceId, userId: key.createdById, role: key.role as Role, principal: `key:${key.id}` }
}

export function signAccessToken (app: FastifyInstance, claims: Omit<AccessClaims, 'typ'>): string {
  return app.jwt.sign({ ...claims, typ: 'access' })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['problem'] })
