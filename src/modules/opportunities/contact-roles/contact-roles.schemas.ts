import { type Static, Type } from 'typebox'
import { StringEnum, TimestampSchema, UuidSchema, VersionSchema } from '../../../lib/schemas.js'

export const CONTACT_ROLES = [
  'decision_maker', 'economic_buyer', 'technical_buyer', 'influencer', 'evaluator', 'user', 'other'
] as const

const RoleSchema = StringEnum(CONTACT_ROLES, {
  description: 'the contact\'s part in the sale',
  examples: ['decision_maker']
})

const IS_PRIMARY = 'the opportunity\'s primary contact, mirrored in its contactId; at most one role is primary'
const IsPrimarySchema = Type.Boolean({ description: IS_PRIMARY })

const record = {
  id: '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
  opportunityId: '0c4d2e6f-8a1b-4c3d-9e5f-7a8b9c0d1e2f',
  contactId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  role: 'decision_maker',
  isPrimary: true,
  createdAt: '2026-12-03T10:20:30.123Z',
  updatedAt: '2026-12-03T10:20:30.123Z',
  version: 1
}

export const ContactRoleSchema = Type.Object(
  {
    id: UuidSchema,
    opportunityId: UuidSchema,
    contactId: UuidSchema,
    role: RoleSchema,
    isPrimary: IsPrimarySchema,
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'OpportunityContactRole',
    description: 'A contact\'s part in an opportunity: at most one per contact, at most one primary',
    additionalProperties: false,
    examples: [record]
  }
)

export const CreateContactRoleBodySchema = Type.Object(
  {
    contactId: Type.String({
      ...UuidSchema,
      description: 'a live contact of the workspace, not yet on the opportunity; cannot be changed later'
    }),
    role: RoleSchema,
    isPrimary: Type.Optional(Type.Boolean({
      description: `${IS_PRIMARY}; default false`
    }))
  },
  {
    additionalProperties: false,
    examples: [{ contactId: record.contactId, role: 'decision_maker', isPrimary: true }]
  }
)

export const UpdateContactRoleBodySchema = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    isPrimary: Type.Optional(IsPrimarySchema)
  },
  { additionalProperties: false, examples: [{ role: 'economic_buyer', isPrimary: true }] }
)

export type ContactRole = Static<typeof ContactRoleSchema>
export type CreateContactRoleBody = Static<typeof CreateContactRoleBodySchema>
export type UpdateContactRoleBody = Static<typeof UpdateContactRoleBodySchema>
