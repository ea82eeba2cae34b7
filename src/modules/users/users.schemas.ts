import { Type } from 'typebox'
import { ROLES } from '../../lib/records/tenant.js'
import {
  EmailSchema, Nullable, StringEnum, Text, TimestampSchema, UuidSchema, VersionSchema
} from '../../lib/schemas.js'

export const RoleSchema = StringEnum(ROLES, {
  description: 'admin: everything; manager: every record; ' +
    'sales, marketing, support: their records; readonly: reads',
  examples: ['sales']
})

/** Passwords: long enough to resist guessing, bounded so hashing stays cheap. */
export const PasswordSchema = Type.String({
  minLength: 10, maxLength: 256, examples: ['correct horse battery']
})

export const UserSchema = Type.Object(
  {
    id: UuidSchema,
    email: EmailSchema,
    name: Text(200),
    role: RoleSchema,
    isActive: Type.Boolean(),
    lastSignInAt: Nullable(TimestampSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'User',
    description: 'A person who signs in to the workspace',
    additionalProperties: false,
    examples: [{
      id: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      role: 'admin',
      isActive: true,
      lastSignInAt: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    }]
  }
)

export const CreateUserBodySchema = Type.Object(
  {
    email: EmailSchema,
    name: Text(200),
    role: RoleSchema,
    password: PasswordSchema
  },
  {
    additionalProperties: false,
    examples: [{
      email: 'grace@example.com', name: 'Grace Hopper', role: 'sales', password: 'a long passphrase'
    }]
  }
)

export const UpdateUserBodySchema = Type.Object(
  {
    name: Type.Optional(Text(200)),
    role: Type.Optional(RoleSchema),
    isActive: Type.Optional(Type.Boolean({
      description: 'false signs the user out of API keys and blocks sign-in'
    })),
    password: Type.Optional(PasswordSchema)
  },
  { additionalProperties: false, examples: [{ role: 'manager' }] }
)
