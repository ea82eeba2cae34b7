import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import {
  AddressInputSchema,
  AddressRefSchema,
  CurrencySchema,
  EmailSchema,
  MoneySchema,
  Nullable,
  PhoneSchema,
  StringEnum,
  Text,
  UrlSchema,
  UuidSchema
} from '../../lib/schemas.js'

export const ACCOUNT_TYPES = [
  'prospect', 'customer', 'partner', 'reseller', 'investor', 'vendor', 'competitor', 'other'
] as const

const address = { input: AddressInputSchema, output: AddressRefSchema }

const example = {
  name: 'Acme GmbH',
  website: 'https://www.acme.example',
  industry: 'Manufacturing',
  type: 'customer',
  phone: '+49 30 1234567',
  email: 'info@acme.example',
  billingAddress: {
    street: 'Hauptstr. 1', city: 'Berlin', region: null, postalCode: '10115', country: 'DE'
  },
  annualRevenue: '12500000.00',
  currency: 'EUR',
  numberOfEmployees: 120
}

export const accountSchemas = resourceSchemas(
  'Account',
  'An organization the business deals with',
  {
    required: { name: Text(255, { examples: ['Acme GmbH'] }) },
    optional: {
      website: UrlSchema,
      industry: Text(100),
      type: StringEnum(ACCOUNT_TYPES),
      phone: PhoneSchema,
      email: EmailSchema,
      billingAddress: address,
      shippingAddress: address,
      annualRevenue: MoneySchema,
      currency: CurrencySchema,
      numberOfEmployees: Type.Integer({ minimum: 0, maximum: 100000000 }),
      parentAccountId: UuidSchema,
      ownerId: UuidSchema,
      description: Text(32000)
    },
    computed: {
      domain: Nullable(Type.String({
        description: 'derived from website, used to find duplicates',
        examples: ['acme.example']
      }))
    }
  },
  {
    record: {
      id: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11',
      ...example,
      domain: 'acme.example',
      shippingAddress: null,
      parentAccountId: null,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      description: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { type: 'partner', phone: null }
  }
)

export type Account = Static<typeof accountSchemas.record>
export type CreateAccountBody = Static<typeof accountSchemas.create>
export type UpdateAccountBody = Static<typeof accountSchemas.update>
