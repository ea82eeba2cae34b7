import { and, eq, isNotNull } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  LocationHeader,
  NoContentResponse,
  problemResponses
} from '../../../lib/http/responses.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { getRecord, listRecords, type ListQuery } from '../../../lib/resource/resource.queries.js'
import { listQuerySchema } from '../../../lib/resource/resource.routes.js'
import { etag } from '../../../lib/resource/resource.service.js'
import { pageSchema, StringEnum, UuidSchema } from '../../../lib/schemas.js'
import { campaignResource } from '../campaigns.resource.js'
import { getMemberOrThrow } from './campaign-members.queries.js'
import { withPeople } from './campaign-members.people.js'
import { type MemberView, memberResource } from './campaign-members.resource.js'
import {
  type AddCampaignMemberBody,
  AddCampaignMemberBodySchema,
  AddCampaignMembersBodySchema,
  type AddCampaignMembersBody,
  CampaignMemberSchema,
  CampaignMembersAddedSchema,
  MAX_MEMBERS_PER_REQUEST,
  MemberParamsSchema,
  UpdateCampaignMemberBodySchema
} from './campaign-members.schemas.js'
import { addMember, addMembers, removeMember, updateMember } from './campaign-members.service.js'
import { STATUS_RULES, type MemberStatus } from './campaign-members.status.js'
import { campaignMembers } from './campaign-members.table.js'

const MemberRef = Type.Unsafe(Type.Ref('CampaignMember'))
const AddedRef = Type.Unsafe(Type.Ref('CampaignMembersAdded'))
const CampaignParamsSchema = Type.Object(
  { campaignId: UuidSchema },
  { additionalProperties: false }
)

const READ = { permission: { resource: 'campaigns', action: 'read' as const } }
const WRITE = { permission: { resource: 'campaigns', action: 'write' as const } }
const TAGS = ['Campaigns']
const SECURITY = [{ bearerAuth: [] }]

const KIND = ['lead', 'contact'] as const
const ListMembersQuerySchema = listQuerySchema(memberResource, {
  kind: Type.Optional(StringEnum(KIND, { description: 'only leads or only contacts' }))
})

type MemberParams = { campaignId: string, memberId: string }
const memberUrl = (campaignId: string, memberId: string) =>
  `/v1/campaigns/${campaignId}/members/${memberId}`

function sendMember (reply: FastifyReply, row: MemberView) {
  reply.header('etag', etag(row.version))
  return memberResource.toDto(row)
}

/** The campaign named in the path, or 404: members are only reached through it. */
async function assertCampaign (app: FastifyInstance, request: FastifyRequest, campaignId: string) {
  const workspaceId = request.tenant.workspaceId
  const found = await getRecord(app.deps.db, campaignResource, workspaceId, campaignId)
  if (found === undefined) throw notFound(campaignResource, campaignId)
}

export async function campaignMembersRoutes (app: FastifyInstance) {
  app.addSchema(CampaignMemberSchema)
  app.addSchema(CampaignMembersAddedSchema)
  const base = '/v1/campaigns/:campaignId/members'

  app.post(base, {
    config: { ...WRITE, idempotent: true },
    schema: {
      tags: TAGS,
      operationId: 'addCampaignMember',
      summary: 'Add a lead or contact to a campaign',
      description: 'Adds one person, named by exactly one of `leadId` and `contactId` (400 ' +
        'otherwise), with `status` targeted unless the body says otherwise. A person is a live ' +
        'member of a campaign at most once: adding one again answers 409 ' +
        '`CRM_CAMPAIGN_MEMBER_EXISTS`, naming the existing member. A lead or contact that does ' +
        'not exist in the workspace answers 422 `CRM_INVALID_REFERENCE`. Opted-out people are ' +
        'added and flagged by `emailOptOut`. ' + STATUS_RULES,
      security: SECURITY,
      params: CampaignParamsSchema,
      headers: IdempotencyHeaders,
      body: AddCampaignMemberBodySchema,
      response: {
        201: jsonResponse(
          'The new member', MemberRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { campaignId } = request.params as { campaignId: string }
    const body = request.body as AddCampaignMemberBody
    const row = await addMember(app.deps.db, request.tenant, campaignId, body)
    reply.code(201).header('location', memberUrl(campaignId, row.id))
    return sendMember(reply, row)
  })

  app.post(`${base}/bulk`, {
    config: { ...WRITE, idempotent: true },
    schema: {
      tags: TAGS,
      operationId: 'addCampaignMembers',
      summary: 'Add many leads and contacts to a campaign',
      description: `Adds up to ${MAX_MEMBERS_PER_REQUEST} people in one transaction: leads and ` +
        'contacts named by id, and those `leadFilter` and `contactFilter` match (the ' +
        'filters and `q` of GET /v1/leads and GET /v1/contacts, as a JSON object). Each person counts once, ' +
        'however often named or matched. New members are targeted. People who are live members ' +
        'already are counted in `alreadyMembers` and left as they are; ids that name no live ' +
        'lead or contact of the workspace are listed in `notFound` and nothing is written for ' +
        'them. Opted-out people are added and counted in `optedOut`. A filter matching more ' +
        `than ${MAX_MEMBERS_PER_REQUEST} people, or more than ${MAX_MEMBERS_PER_REQUEST} people ` +
        'in all, answers 422 `CRM_CAMPAIGN_MEMBERS_TOO_MANY` and adds nobody: narrow the filter ' +
        'and add the rest in further requests.',
      security: SECURITY,
      params: CampaignParamsSchema,
      headers: IdempotencyHeaders,
      body: AddCampaignMembersBodySchema,
      response: {
        200: jsonResponse('What was added', AddedRef),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request) => {
    const { campaignId } = request.params as { campaignId: string }
    const body = request.body as AddCampaignMembersBody
    return addMembers(app.deps.db, request.tenant, campaignId, body)
  })

  app.get(base, {
    config: READ,
    schema: {
      tags: TAGS,
      operationId: 'listCampaignMembers',
      summary: 'List the members of a campaign',
      description: 'A page of the campaign\'s members, newest first unless `sort` says ' +
        'otherwise (status sorts alphabetically). Filters combine with AND; a comma list ' +
        'inside one filter means any of the values. `optedOut` selects people who opted out ' +
        'of email (a deleted person counts as opted out); `q` searches the person\'s name, ' +
        'email and (for a lead) company. ' +
        'An unknown campaign answers 404.',
      security: SECURITY,
      params: CampaignParamsSchema,
      querystring: ListMembersQuerySchema,
      response: {
        200: jsonResponse(
          'A page of members', pageSchema(MemberRef, 'A page of campaign members')
        ),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { campaignId } = request.params as { campaignId: string }
    const { kind, ...query } = request.query as ListQuery & { kind?: (typeof KIND)[number] }
    await assertCampaign(app, request, campaignId)
    const workspaceId = request.tenant.workspaceId
    const ofKind = kind === undefined
      ? undefined
      : isNotNull(kind === 'lead' ? campaignMembers.leadId : campaignMembers.contactId)
    const condition = and(eq(campaignMembers.campaignId, campaignId), ofKind)
    const page = await listRecords(app.deps.db, memberResource, workspaceId, query, condition)
    const rows = await withPeople(app.deps.db, workspaceId, page.rows)
    return { data: rows.map(memberResource.toDto), nextCursor: page.nextCursor }
  })

  app.get(`${base}/:memberId`, {
    config: READ,
    schema: {
      tags: TAGS,
      operationId: 'getCampaignMember',
      summary: 'Get a member of a campaign',
      description: 'A member of another campaign, or of an unknown one, answers 404.',
      security: SECURITY,
      params: MemberParamsSchema,
      response: {
        200: jsonResponse('The member', MemberRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { campaignId, memberId } = request.params as MemberParams
    const workspaceId = request.tenant.workspaceId
    await assertCampaign(app, request, campaignId)
    const row = await getMemberOrThrow(app.deps.db, workspaceId, campaignId, memberId)
    const [view] = await withPeople(app.deps.db, workspaceId, [row])
    return sendMember(reply, view as MemberView)
  })

  app.patch(`${base}/:memberId`, {
    config: WRITE,
    schema: {
      tags: TAGS,
      operationId: 'updateCampaignMember',
      summary: 'Change a member\'s status',
      description: 'Only `status` changes. ' + STATUS_RULES + ' A move the rules do not allow ' +
        'answers 409 `CRM_CAMPAIGN_MEMBER_STATUS_NOT_ALLOWED` and changes nothing; the same ' +
        'status again changes nothing. With If-Match, a stale ETag answers 412.',
      security: SECURITY,
      params: MemberParamsSchema,
      headers: IfMatchHeaders,
      body: UpdateCampaignMemberBodySchema,
      response: {
        200: jsonResponse('The updated member', MemberRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415)
      }
    }
  }, async (request, reply) => {
    const params = request.params as MemberParams
    const patch = request.body as { status?: MemberStatus }
    const ifMatch = request.headers['if-match']
    const row = await updateMember(app.deps.db, request.tenant, params, patch, ifMatch)
    return sendMember(reply, row)
  })

  app.delete(`${base}/:memberId`, {
    config: WRITE,
    schema: {
      tags: TAGS,
      operationId: 'deleteCampaignMember',
      summary: 'Remove a member from a campaign',
      description: 'Removes the member from every read, list and statistic. The person stays, ' +
        'and may be added to the campaign again later as a new member. With If-Match, a stale ' +
        'ETag answers 412.',
      security: SECURITY,
      params: MemberParamsSchema,
      headers: IfMatchHeaders,
      response: {
        204: NoContentResponse,
        ...problemResponses(400, 401, 403, 404, 412)
      }
    }
  }, async (request, reply) => {
    const params = request.params as MemberParams
    await removeMember(app.deps.db, request.tenant, params, request.headers['if-match'])
    return reply.code(204).send()
  })
}
