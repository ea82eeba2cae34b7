import { Type } from 'typebox'
import { Nullable, Text, TimestampSchema, UuidSchema, VersionSchema } from '../../lib/schemas.js'
import { RoleSchema } from '../users/users.schemas.js'

export const ApiKeySchema = Type.Object(
  {
    id: UuidSchema,
    name: Text(200),
    role: RoleSchema,
    prefix: Type.String({
      description: 'the first characters of the secret, to recognise it',
      examples: ['crm_Xy12ab']
    }),
    createdById: UuidSchema,
    lastUsedAt: Nullable(TimestampSchema),
    expiresAt: Nullable(TimestampSchema),
    revokedAt: Nullable(TimestampSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'ApiKey',
    description: 'A long-lived credential for an integration',
    examples: [{
      id: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
      name: 'Website form',
      role: 'marketing',
      prefix: 'crm_Xy12ab',
      createdById: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    }],
    additionalProperties: false
  }
)

export const CreateApiKeyBodySchema = Type.Object(
  {
    name: Text(200),
    role: RoleSchema,
    expiresAt: Type.Optional(Nullable(Type.String({
      ...TimestampSchema,
      description: 'when the key stops working; null never'
    })))
  },
  {
    additionalProperties: false,
    examples: [{ name: 'Website form', role: 'marketing', expiresAt: null }]
  }
)

export const CreatedApiKeySchema = Type.Object(
  {
    apiKey: Type.Unsafe(Type.Ref('ApiKey')),
    secret: Type.String({
      description: 'shown only in this answer; send as Authorization: Bearer <secret>'
    })
  },
  { additionalProperties: false }
)
