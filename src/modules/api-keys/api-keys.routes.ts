import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { BadRequestError, withFieldErrors } from '../../lib/errors.js'
import {
  jsonResponse, LocationHeader, NoContentResponse, problemResponses
} from '../../lib/http/responses.js'
import { notFound } from '../../lib/resource/resource.errors.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import { UuidSchema } from '../../lib/schemas.js'
import { getApiKey, insertApiKey, listApiKeys, revokeApiKey } from './api-keys.queries.js'
import { ApiKeySchema, CreateApiKeyBodySchema, CreatedApiKeySchema } from './api-keys.schemas.js'
import { hashApiKeySecret, newApiKeySecret } from './api-keys.secrets.js'

const KEY = { code: 'API_KEY', name: 'API key' }
const Params = Type.Object({ apiKeyId: UuidSchema }, { additionalProperties: false })
const read = { permission: { resource: 'api-keys', action: 'read' as const } }
const write = { permission: { resource: 'api-keys', action: 'write' as const } }
const toDto = (row: Record<string, unknown>) => recordToDto(ApiKeySchema, row)

export async function apiKeysRoutes (app: FastifyInstance) {
  app.addSchema(ApiKeySchema)

  app.get('/v1/api-keys', {
    config: read,
    schema: {
      tags: ['API keys'],
      operationId: 'listApiKeys',
      summary: 'List API keys',
      description: 'Every key of the workspace, newest first, revoked ones included. ' +
        'Secrets are never shown again.',
      security: [{ bearerAuth: [] }],
      response: {
        200: jsonResponse('The keys', Type.Object(
          { data: Type.Array(Type.Unsafe(Type.Ref('ApiKey'))) },
          { additionalProperties: false }
        )),
        ...problemResponses(401, 403)
      }
    }
  }, async (request) => {
    const rows = await listApiKeys(app.deps.db, request.tenant.workspaceId)
    return { data: rows.map(toDto) }
  })

  app.post('/v1/api-keys', {
    config: { ...write, idempotent: true },
    schema: {
      tags: ['API keys'],
      operationId: 'createApiKey',
      summary: 'Create an API key',
      description: 'The answer holds the secret; it is stored only as a hash ' +
        'and never shown again.',
      security: [{ bearerAuth: [] }],
      body: CreateApiKeyBodySchema,
      response: {
        201: jsonResponse(
          'The key and its secret', CreatedApiKeySchema, { Location: LocationHeader }
        ),
        ...problemResponses(400, 401, 403, 413, 415)
      }
    }
  }, async (request, reply) => {
    const body = request.body as { name: string, role: string, expiresAt?: string | null }
    const expiresAt = body.expiresAt == null ? null : new Date(body.expiresAt)
    if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
      const message = 'must be in the future'
      throw withFieldErrors(
        new BadRequestError(`expiresAt ${message}`),
        [{ pointer: '/expiresAt', message }]
      )
    }
    const secret = newApiKeySecret()
    const row = await insertApiKey(app.deps.db, {
      workspaceId: request.tenant.workspaceId,
      createdById: request.tenant.userId,
      name: body.name,
      role: body.role,
      prefix: secret.slice(0, 10),
      secretHash: hashApiKeySecret(secret),
      expiresAt
    })
    request.log.info({ workspaceId: row.workspaceId, apiKeyId: row.id }, 'api key created')
    reply.header('location', `/v1/api-keys/${row.id}`)
    return reply.code(201).send({ apiKey: toDto(row), secret })
  })

  app.get('/v1/api-keys/:apiKeyId', {
    config: read,
    schema: {
      tags: ['API keys'],
      operationId: 'getApiKey',
      summary: 'Get an API key',
      security: [{ bearerAuth: [] }],
      params: Params,
      response: {
        200: jsonResponse('The key', Type.Unsafe(Type.Ref('ApiKey'))),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { apiKeyId } = request.params as { apiKeyId: string }
    const row = await getApiKey(app.deps.db, request.tenant.workspaceId, apiKeyId)
    if (row === undefined) throw notFound(KEY, apiKeyId)
    return toDto(row)
  })

  app.delete('/v1/api-keys/:apiKeyId', {
    config: write,
    schema: {
      tags: ['API keys'],
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description: 'The key stops working at once; it stays listed with its revokedAt. ' +
        'Revoking twice is harmless.',
      security: [{ bearerAuth: [] }],
      params: Params,
      response: { 204: NoContentResponse, ...problemResponses(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    const { apiKeyId } = request.params as { apiKeyId: string }
    const row = await revokeApiKey(app.deps.db, request.tenant.workspaceId, apiKeyId)
    if (row === undefined) throw notFound(KEY, apiKeyId)
    request.log.info({ workspaceId: row.workspaceId, apiKeyId }, 'api key revoked')
    return reply.code(204).send()
  })
}
