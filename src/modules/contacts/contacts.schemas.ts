import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import {
  AddressInputSchema,
  AddressRefSchema,
  EmailSchema,
  PhoneSchema,
  Text,
  UuidSchema
} from '../../lib/schemas.js'
import { LeadSourceSchema } from '../leads/leads.schemas.js'

const address = { input: AddressInputSchema, output: AddressRefSchema }

const example = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada.lovelace@acme.example',
  phone: '+49 30 1234567',
  mobilePhone: '+49 170 1234567',
  title: 'Chief Technology Officer',
  department: 'Engineering',
  accountId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11',
  mailingAddress: {
    street: 'Hauptstr. 1',
    city: 'Berlin',
    region: null,
    postalCode: '10115',
    country: 'DE'
  },
  leadSource: 'referral'
}

export const contactSchemas = resourceSchemas(
  'Contact',
  'A person, usually at an account',
  {
    required: { lastName: Text(200, { examples: ['Lovelace'] }) },
    defaulted: {
      doNotCall: Type.Boolean({ description: 'default false' }),
      emailOptOut: Type.Boolean({
        description: 'default false; an opted-out contact is never emailed'
      })
    },
    optional: {
      firstName: Text(200),
      email: Type.String({
        ...EmailSchema,
        description: 'unique among the live contacts of the workspace, ignoring case'
      }),
      phone: PhoneSchema,
      mobilePhone: PhoneSchema,
      title: Text(200),
      department: Text(200),
      accountId: Type.String({ ...UuidSchema, description: 'the account the contact works at' }),
      mailingAddress: address,
      leadSource: LeadSourceSchema,
      ownerId: Type.String({
        ...UuidSchema,
        description: 'an active user; defaults to the caller'
      }),
      description: Text(32000)
    }
  },
  {
    record: {
      id: '5c4b3a29-1807-4f6e-9d5c-4b3a29180706',
      ...example,
      doNotCall: false,
      emailOptOut: false,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      description: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { title: 'Chief Executive Officer', mobilePhone: null, emailOptOut: true }
  }
)

export type Contact = Static<typeof contactSchemas.record>
export type CreateContactBody = Static<typeof contactSchemas.create>
export type UpdateContactBody = Static<typeof contactSchemas.update>
