import { Type } from 'typebox'
import { CurrencySchema, EmailSchema, Text, TimestampSchema, UuidSchema, VersionSchema } from '../../lib/schemas.js'
import { PasswordSchema } from '../users/users.schemas.js'

export const WorkspaceSchema = Type.Object(
  {
    id: UuidSchema,
    name: Text(200),
    slug: Type.String({ examples: ['acme-sales-3f9a1c'] }),
    currency: CurrencySchema,
    timezone: Type.String({ examples: ['Europe/Berlin'] }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'Workspace',
    description: 'One business using the CRM (the tenant)',
    additionalProperties: false,
    examples: [{
      id: '5e1f0c2a-8b7d-4c3e-9f6a-1b2c3d4e5f60',
      name: 'Acme Sales',
      slug: 'acme-sales-3f9a1c',
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    }]
  }
)

const TimezoneSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$|^UTC$',
  description: 'IANA time zone',
  examples: ['Europe/Berlin']
})

export const SignupBodySchema = Type.Object(
  {
    workspaceName: Text(200),
    name: Text(200),
    email: EmailSchema,
    password: PasswordSchema,
    currency: Type.Optional(CurrencySchema),
    timezone: Type.Optional(TimezoneSchema)
  },
  {
    additionalProperties: false,
    examples: [{
      workspaceName: 'Acme Sales',
      name: 'Ada Lovelace',
      email: 'ada@acme.example',
      password: 'correct horse battery',
      currency: 'EUR',
      timezone: 'Europe/Berlin'
    }]
  }
)

export const TokenBodySchema = Type.Object(
  { email: EmailSchema, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false, examples: [{ email: 'ada@acme.example', password: 'correct horse battery' }] }
)

const UserRef = Type.Unsafe(Type.Ref('User'))
const WorkspaceRef = Type.Unsafe(Type.Ref('Workspace'))

export const TokenResponseSchema = Type.Object(
  {
    accessToken: Type.String({ description: 'a JWT; send as Authorization: Bearer <accessToken>' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'seconds until the token expires', examples: [3600] }),
    user: UserRef,
    workspace: WorkspaceRef
  },
  { additionalProperties: false }
)

export const MeResponseSchema = Type.Object(
  {
    user: UserRef,
    workspace: WorkspaceRef,
    role: Type.String({ description: 'the role this credential acts with', examples: ['admin'] }),
    credential: Type.Union([Type.Literal('access_token'), Type.Literal('api_key')])
  },
  { additionalProperties: false }
)
