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
  TimestampSchema,
  UrlSchema,
  UuidSchema
} from '../../lib/schemas.js'

/** Where a person came from; contacts and opportunities use the same list. */
export const LEAD_SOURCES = [
  'web', 'email', 'call', 'campaign', 'partner', 'referral', 'event', 'advertisement',
  'existing_customer', 'other'
] as const

export const LEAD_STATUSES = ['open', 'contacted', 'qualified', 'unqualified', 'converted'] as const

/** The statuses a client may set; `converted` is set only by conversion. */
export const WRITABLE_LEAD_STATUSES = ['open', 'contacted', 'qualified', 'unqualified'] as const

export const LEAD_RATINGS = ['hot', 'warm', 'cold'] as const

export const LeadSourceSchema = StringEnum(LEAD_SOURCES, { examples: ['web'] })

const address = { input: AddressInputSchema, output: AddressRefSchema }

const example = {
  firstName: 'Grace',
  lastName: 'Hopper',
  email: 'grace.hopper@globex.example',
  phone: '+1 555 0142',
  company: 'Globex Corporation',
  title: 'Head of Engineering',
  website: 'https://www.globex.example',
  industry: 'Software',
  numberOfEmployees: 450,
  address: {
    street: '1 Market St',
    city: 'San Francisco',
    region: 'CA',
    postalCode: '94105',
    country: 'US'
  },
  source: 'web',
  rating: 'warm',
  estimatedAmount: '48000.00',
  currency: 'USD',
  campaignId: '6a1f2e3d-4c5b-4a69-8b7c-0d1e2f3a4b5c'
}

export const leadSchemas = resourceSchemas(
  'Lead',
  'A prospect not yet qualified; once converted it no longer changes',
  {
    required: { lastName: Text(200, { examples: ['Hopper'] }) },
    defaulted: {
      status: {
        input: StringEnum(WRITABLE_LEAD_STATUSES, {
          description: 'default open; any of these may follow any other ' +
            '(converted is set only by conversion)',
          examples: ['contacted']
        }),
        output: StringEnum(LEAD_STATUSES, {
          description: 'open, contacted, qualified, unqualified, or the terminal converted',
          examples: ['open']
        })
      },
      currency: Type.String({
        ...CurrencySchema,
        description: 'ISO 4217 code; defaults to the workspace currency'
      }),
      doNotCall: Type.Boolean({ description: 'default false' }),
      emailOptOut: Type.Boolean({
        description: 'default false; an opted-out lead is never emailed'
      })
    },
    optional: {
      firstName: Text(200),
      email: EmailSchema,
      phone: PhoneSchema,
      company: Text(255),
      title: Text(200),
      website: UrlSchema,
      industry: Text(100),
      numberOfEmployees: Type.Integer({ minimum: 0, maximum: 100000000 }),
      address,
      source: LeadSourceSchema,
      rating: StringEnum(LEAD_RATINGS, { examples: ['hot'] }),
      estimatedAmount: MoneySchema,
      campaignId: Type.String({ ...UuidSchema, description: 'the campaign that brought the lead' }),
      ownerId: Type.String({
        ...UuidSchema,
        description: 'an active user; defaults to the caller'
      }),
      description: Text(32000)
    },
    computed: {
      score: Nullable(Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'computed, 0 to 100; null until scored',
        examples: [72]
      })),
      scoredAt: Nullable(TimestampSchema),
      convertedAt: Nullable(TimestampSchema),
      convertedAccountId: Nullable(UuidSchema),
      convertedContactId: Nullable(UuidSchema),
      convertedOpportunityId: Nullable(UuidSchema)
    }
  },
  {
    record: {
      id: '2b7d4c1a-9e8f-4a3b-8c6d-5e4f3a2b1c0d',
      ...example,
      status: 'contacted',
      doNotCall: false,
      emailOptOut: false,
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      description: null,
      score: 72,
      scoredAt: '2026-12-03T11:00:00.000Z',
      convertedAt: null,
      convertedAccountId: null,
      convertedContactId: null,
      convertedOpportunityId: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:45:12.456Z',
      version: 2
    },
    create: example,
    update: { status: 'qualified', rating: 'hot', phone: null }
  }
)

export type Lead = Static<typeof leadSchemas.record>
export type CreateLeadBody = Static<typeof leadSchemas.create>
export type UpdateLeadBody = Static<typeof leadSchemas.update>
