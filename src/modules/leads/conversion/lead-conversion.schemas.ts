import { type Static, Type } from 'typebox'
import {
  DateSchema,
  MoneySchema,
  Nullable,
  ProblemRefSchema,
  StringEnum,
  Text,
  UuidSchema
} from '../../../lib/schemas.js'
import { OPPORTUNITY_TYPES } from '../../opportunities/opportunities.schemas.js'
import { leadSchemas } from '../leads.schemas.js'

/** A contact's part in an opportunity (DOMAIN.md, contact roles). */
export const CONTACT_ROLES = [
  'decision_maker', 'economic_buyer', 'technical_buyer', 'influencer', 'evaluator', 'user', 'other'
] as const

export const ACCOUNT_MATCHES = ['caller', 'domain', 'name'] as const
export const CONTACT_MATCHES = ['caller', 'email'] as const
export const DUPLICATE_RESOURCES = ['account', 'contact', 'lead'] as const
export const DUPLICATE_REASONS = ['same_domain', 'same_name', 'same_email'] as const

/** At most this many duplicates of each kind are reported. */
export const MAX_DUPLICATES = 20
export const MAX_BATCH = 100

const OpportunityOptionsSchema = Type.Object(
  {
    name: Type.Optional(Text(255, {
      description: 'default: "<account name> – <lead first and last name>"',
      examples: ['Globex Corporation – Grace Hopper']
    })),
    stage: Type.Optional(Text(100, {
      description: 'a stage key of the workspace; default: the first open stage',
      examples: ['qualification']
    })),
    amount: Type.Optional(Type.String({
      ...MoneySchema,
      description: 'default: the lead\'s estimatedAmount, in the lead\'s currency'
    })),
    probability: Type.Optional(Type.Integer({
      minimum: 0, maximum: 100, description: 'percent; default: the stage\'s', examples: [20]
    })),
    closeDate: Type.Optional(DateSchema),
    type: Type.Optional(StringEnum(OPPORTUNITY_TYPES, { examples: ['new_business'] })),
    nextStep: Type.Optional(Text(1000, { examples: ['Schedule a demo'] })),
    lossReason: Type.Optional(Text(2000, {
      description: 'needed only when `stage` is a closed, lost stage'
    })),
    description: Type.Optional(Text(32000))
  },
  {
    additionalProperties: false,
    description: 'values of the new opportunity; the rest comes from the lead'
  }
)

/** What the caller may say about one conversion; every field is optional. */
const conversionOptions = {
  accountId: Type.Optional(Type.String({
    ...UuidSchema,
    description: 'use this account; default: one matching the lead by domain or name, or a new one'
  })),
  contactId: Type.Optional(Type.String({
    ...UuidSchema,
    description: 'use this contact (of the chosen account, or of none); default: the contact ' +
      'with the lead\'s email, or a new one'
  })),
  createOpportunity: Type.Optional(Type.Boolean({
    default: true, description: 'false converts without an opportunity'
  })),
  opportunity: Type.Optional(OpportunityOptionsSchema),
  contactRole: Type.Optional(StringEnum(CONTACT_ROLES, {
    default: 'decision_maker',
    description: 'the contact\'s role on the opportunity, where it is the primary contact'
  })),
  ownerId: Type.Optional(Type.String({
    ...UuidSchema,
    description: 'an active user, owner of every record created; default: the lead\'s owner ' +
      'while active, else the caller'
  }))
}

const example = {
  contactRole: 'economic_buyer',
  opportunity: { stage: 'qualification', amount: '48000.00', closeDate: '2027-03-31' }
}

export const ConvertLeadBodySchema = Type.Object(
  {
    ...conversionOptions,
    dryRun: Type.Optional(Type.Boolean({
      default: false, description: 'answer the plan without writing anything'
    }))
  },
  { additionalProperties: false, examples: [example, { dryRun: true }] }
)

export const ConvertLeadsBodySchema = Type.Object(
  {
    conversions: Type.Array(
      Type.Object(
        { leadId: UuidSchema, ...conversionOptions },
        { additionalProperties: false }
      ),
      {
        minItems: 1,
        maxItems: MAX_BATCH,
        description: `1 to ${MAX_BATCH} conversions, each of a different lead`
      }
    ),
    dryRun: Type.Optional(Type.Boolean({
      default: false, description: 'answer every plan without writing anything'
    }))
  },
  {
    additionalProperties: false,
    examples: [{
      conversions: [
        { leadId: '2b7d4c1a-9e8f-4a3b-8c6d-5e4f3a2b1c0d' },
        { leadId: '4d2e6f8a-1b3c-4d5e-8f7a-9b0c1d2e3f4a', createOpportunity: false }
      ]
    }]
  }
)

function outcome (matches: readonly string[], matchedBy: string) {
  return Type.Object(
    {
      id: Nullable(Type.String({
        ...UuidSchema, description: 'null in a dry run when the record would be created'
      })),
      action: StringEnum(['created', 'reused'] as const),
      matchedBy: Nullable(StringEnum(matches, { description: matchedBy })),
      filledFields: Type.Array(Type.String({ examples: ['phone'] }), {
        description: 'the empty fields of a reused record that were filled from the lead; ' +
          'nothing else of it changes'
      })
    },
    { additionalProperties: false }
  )
}

const leadExample = (leadSchemas.record as unknown as { examples: object[] }).examples[0]
const convertedLead = {
  ...leadExample,
  status: 'converted',
  convertedAt: '2026-12-04T09:30:00.000Z',
  convertedAccountId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11',
  convertedContactId: '5c4b3a29-1807-4f6e-9d5c-4b3a29180706',
  convertedOpportunityId: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968',
  updatedAt: '2026-12-04T09:30:00.000Z',
  version: 3
}

export const LeadConversionSchema = Type.Object(
  {
    dryRun: Type.Boolean({ description: 'true when nothing was written' }),
    lead: Type.Unsafe(Type.Ref('Lead')),
    account: outcome(ACCOUNT_MATCHES, 'how a reused account was found; null when created'),
    contact: outcome(CONTACT_MATCHES, 'how a reused contact was found; null when created'),
    opportunity: Nullable(Type.Object(
      {
        id: Nullable(Type.String({ ...UuidSchema, description: 'null in a dry run' })),
        action: StringEnum(['created'] as const)
      },
      { additionalProperties: false, description: 'null when createOpportunity is false' }
    )),
    duplicates: Type.Array(
      Type.Object(
        {
          resource: StringEnum(DUPLICATE_RESOURCES),
          id: UuidSchema,
          reason: StringEnum(DUPLICATE_REASONS)
        },
        { additionalProperties: false }
      ),
      {
        description: 'records that may be the same organization or person, left as they are ' +
          `for a person to merge; at most ${MAX_DUPLICATES} of each kind`
      }
    )
  },
  {
    $id: 'LeadConversion',
    additionalProperties: false,
    description: 'What a conversion made, reused and found',
    examples: [{
      dryRun: false,
      lead: convertedLead,
      account: {
        id: convertedLead.convertedAccountId,
        action: 'reused',
        matchedBy: 'domain',
        filledFields: ['phone', 'billingAddress']
      },
      contact: {
        id: convertedLead.convertedContactId, action: 'created', matchedBy: null, filledFields: []
      },
      opportunity: { id: convertedLead.convertedOpportunityId, action: 'created' },
      duplicates: [
        { resource: 'account', id: '6b5a4938-2716-4e5d-8c4b-3a2918070615', reason: 'same_domain' }
      ]
    }]
  }
)

export const LeadConversionRefSchema = Type.Unsafe<LeadConversion>(Type.Ref('LeadConversion'))

export const LeadConversionResultsSchema = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        {
          leadId: UuidSchema,
          status: Type.Integer({
            minimum: 200,
            maximum: 599,
            description: '200 when converted (or planned), else the status the single ' +
              'conversion would have answered',
            examples: [200]
          }),
          conversion: Nullable(LeadConversionRefSchema),
          error: Nullable(ProblemRefSchema)
        },
        { additionalProperties: false }
      ),
      { description: 'one per conversion, in the order of the request' }
    )
  },
  {
    additionalProperties: false,
    description: 'Each conversion\'s own answer'
  }
)

type Options = {
  accountId?: string
  contactId?: string
  createOpportunity?: boolean
  opportunity?: Static<typeof OpportunityOptionsSchema>
  contactRole?: (typeof CONTACT_ROLES)[number]
  ownerId?: string
}

export type ConversionOptions = Options & { dryRun?: boolean }
export type ConvertLeadsBody = { conversions: (Options & { leadId: string })[], dryRun?: boolean }
export type Duplicate = {
  resource: (typeof DUPLICATE_RESOURCES)[number]
  id: string
  reason: (typeof DUPLICATE_REASONS)[number]
}

export interface RecordOutcome<M extends string> {
  id: string | null
  action: 'created' | 'reused'
  matchedBy: M | null
  filledFields: string[]
}

export interface LeadConversion {
  dryRun: boolean
  lead: unknown
  account: RecordOutcome<(typeof ACCOUNT_MATCHES)[number]>
  contact: RecordOutcome<(typeof CONTACT_MATCHES)[number]>
  opportunity: { id: string | null, action: 'created' } | null
  duplicates: Duplicate[]
}
