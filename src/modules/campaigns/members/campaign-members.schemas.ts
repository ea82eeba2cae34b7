import { Type, type Static, type TSchema } from 'typebox'
import type { FilterDefinition } from '../../../lib/list/filters.js'
import { filterParameters } from '../../../lib/list/filters.js'
import {
  Nullable,
  StringEnum,
  TimestampSchema,
  UuidSchema,
  VersionSchema
} from '../../../lib/schemas.js'
import { contactResource } from '../../contacts/contacts.resource.js'
import { leadResource } from '../../leads/leads.resource.js'
import { MEMBER_STATUSES, STATUS_RULES } from './campaign-members.status.js'

/** People one bulk request may name or match, ids and filters together. */
export const MAX_MEMBERS_PER_REQUEST = 1000

const StatusSchema = StringEnum(MEMBER_STATUSES, {
  description: STATUS_RULES,
  examples: ['sent']
})

const stepTime = (step: string) =>
  Nullable(Type.String({ ...TimestampSchema, description: `when the member was ${step}` }))

const example = {
  id: '5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b',
  campaignId: '2b7d9e4f-1c3a-4b5d-8e6f-0a1b2c3d4e5f',
  leadId: null,
  contactId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  status: 'opened',
  sentAt: '2027-03-02T09:00:00.000Z',
  openedAt: '2027-03-02T11:42:10.512Z',
  clickedAt: null,
  respondedAt: null,
  bouncedAt: null,
  unsubscribedAt: null,
  failedAt: null,
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailOptOut: false,
  createdAt: '2027-03-01T16:05:00.000Z',
  updatedAt: '2027-03-02T11:42:10.512Z',
  version: 3
}

export const CampaignMemberSchema = Type.Object(
  {
    id: UuidSchema,
    campaignId: UuidSchema,
    leadId: Nullable(Type.String({ ...UuidSchema, description: 'the lead; null for a contact' })),
    contactId: Nullable(
      Type.String({ ...UuidSchema, description: 'the contact; null for a lead' })
    ),
    status: StatusSchema,
    sentAt: stepTime('sent the message'),
    openedAt: stepTime('seen to open it'),
    clickedAt: stepTime('seen to click a link'),
    respondedAt: stepTime('seen to respond'),
    bouncedAt: stepTime('bounced'),
    unsubscribedAt: stepTime('unsubscribed'),
    failedAt: stepTime('not reached because the send failed'),
    email: Nullable(Type.String({
      description: 'the person\'s email; null when it has none or was deleted',
      examples: ['ada@example.com']
    })),
    firstName: Nullable(Type.String({ description: 'the person\'s; null when deleted' })),
    lastName: Nullable(Type.String({ description: 'the person\'s; null when deleted' })),
    emailOptOut: Type.Boolean({
      description: 'true when the person opted out of email, or was deleted: never email them'
    }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'CampaignMember',
    description: 'A lead or a contact a campaign targets, with the furthest step it reached. ' +
      'The person\'s name, email and opt-out are shown as they are now.',
    additionalProperties: false,
    examples: [example]
  }
)

export type CampaignMember = Static<typeof CampaignMemberSchema>

const AddStatusSchema = Type.Optional(Type.Unsafe<Static<typeof StatusSchema>>({
  ...StatusSchema,
  description: 'defaults to targeted'
}))

/** Exactly one person: either form, never both, as the contract says. */
export const AddCampaignMemberBodySchema = Type.Union(
  [
    Type.Object(
      { leadId: UuidSchema, status: AddStatusSchema },
      { additionalProperties: false, title: 'AddLeadMember' }
    ),
    Type.Object(
      { contactId: UuidSchema, status: AddStatusSchema },
      { additionalProperties: false, title: 'AddContactMember' }
    )
  ],
  {
    description: 'A lead or a contact: exactly one of leadId and contactId.',
    examples: [
      { contactId: example.contactId },
      { leadId: '0b5c6f7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f', status: 'sent' }
    ]
  }
)

export type AddCampaignMemberBody = Static<typeof AddCampaignMemberBodySchema>

export const UpdateCampaignMemberBodySchema = Type.Object(
  { status: Type.Optional(StatusSchema) },
  { additionalProperties: false, examples: [{ status: 'clicked' }] }
)

/**
 * The list filters of GET /v1/leads or /v1/contacts as one JSON object:
 * the same names and values, with booleans and numbers as JSON values.
 */
function filterObject (
  filters: readonly FilterDefinition[],
  searchDescription: string,
  description: string,
  examples: unknown[]
) {
  const params: Record<string, TSchema> = filterParameters(filters)
  return Type.Object(
    {
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Type.Optional(v)])),
      q: Type.Optional(
        Type.String({ minLength: 1, maxLength: 200, description: searchDescription })
      )
    },
    { additionalProperties: false, description, examples }
  )
}

const idList = (noun: string) =>
  Type.Array(UuidSchema, {
    maxItems: MAX_MEMBERS_PER_REQUEST,
    description: `${noun} ids; repeats count once, ids of no live ${noun} are reported in notFound`
  })

export const AddCampaignMembersBodySchema = Type.Object(
  {
    leadIds: Type.Optional(idList('lead')),
    contactIds: Type.Optional(idList('contact')),
    leadFilter: Type.Optional(filterObject(
      leadResource.filters,
      leadResource.searchDescription,
      'the filters of GET /v1/leads (and `q`); an empty object matches every lead',
      [{ status: 'open,contacted', emailOptOut: false, q: 'globex' }]
    )),
    contactFilter: Type.Optional(filterObject(
      contactResource.filters,
      contactResource.searchDescription,
      'the filters of GET /v1/contacts (and `q`); an empty object matches every contact',
      [{ accountId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11' }]
    ))
  },
  {
    description: 'Who to add: ids, filters or both; at least one of the four.',
    minProperties: 1,
    additionalProperties: false,
    examples: [{
      leadIds: ['0b5c6f7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f'],
      contactFilter: { leadSource: 'event', emailOptOut: false }
    }]
  }
)

export type AddCampaignMembersBody = Static<typeof AddCampaignMembersBodySchema>
export type PeopleFilter = Record<string, unknown> & { q?: string }

export const CampaignMembersAddedSchema = Type.Object(
  {
    added: Type.Integer({ minimum: 0, description: 'members made by this request' }),
    alreadyMembers: Type.Integer({
      minimum: 0, description: 'people named or matched who were live members already'
    }),
    notFound: Type.Array(UuidSchema, {
      description: 'ids that name no live lead or contact of the workspace, each once'
    }),
    optedOut: Type.Integer({
      minimum: 0,
      description: 'how many of the added have emailOptOut (they are flagged, not skipped)'
    })
  },
  {
    $id: 'CampaignMembersAdded',
    description: 'What a bulk add did',
    additionalProperties: false,
    examples: [{
      added: 212,
      alreadyMembers: 3,
      notFound: ['9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a'],
      optedOut: 7
    }]
  }
)

export type CampaignMembersAdded = Static<typeof CampaignMembersAddedSchema>

export const MemberParamsSchema = Type.Object(
  { campaignId: UuidSchema, memberId: UuidSchema },
  { additionalProperties: false }
)
