import { eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyRequest } from 'fastify'
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
import { listRecords, type ListQuery } from '../../../lib/resource/resource.queries.js'
import { listQuerySchema } from '../../../lib/resource/resource.routes.js'
import { etag } from '../../../lib/resource/resource.service.js'
import { pageSchema, UuidSchema } from '../../../lib/schemas.js'
import { findOpportunity } from '../opportunities.resource.js'
import { getContactRole } from './contact-roles.queries.js'
import { contactRoleResource } from './contact-roles.resource.js'
import {
  ContactRoleSchema,
  type CreateContactRoleBody,
  CreateContactRoleBodySchema,
  type UpdateContactRoleBody,
  UpdateContactRoleBodySchema
} from './contact-roles.schemas.js'
import { addContactRole, changeContactRole, removeContactRole } from './contact-roles.service.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'
// Registers the listener that keeps the primary role in step with a PATCH of contactId.
import './contact-roles.sync.js'

const ParentParamsSchema = Type.Object(
  { opportunityId: UuidSchema },
  { additionalProperties: false }
)
const RoleParamsSchema = Type.Object(
  { opportunityId: UuidSchema, contactRoleId: UuidSchema },
  { additionalProperties: false }
)
type RoleParams = { opportunityId: string, contactRoleId: string }

const roleRef = Type.Unsafe(Type.Ref('OpportunityContactRole'))
const read = { permission: { resource: 'opportunities', action: 'read' as const } }
const write = { permission: { resource: 'opportunities', action: 'write' as const } }
const common = { tags: ['Opportunities'], security: [{ bearerAuth: [] }] }

const PRIMARY_RULE = 'The primary role mirrors the opportunity\'s `contactId`: making a role primary makes ' +
  'the previous primary role a plain one and sets `contactId` to its contact; a primary role that stops ' +
  'being primary, or is removed, clears `contactId`.'

/**
 * `/v1/opportunities/{opportunityId}/contacts`: the contacts taking part in
 * an opportunity, each with a role, one of them primary. Permissions are
 * the opportunity's; an opportunity that does not exist for the caller
 * answers 404 on every route.
 */
export async function contactRolesRoutes (app: FastifyInstance) {
  app.addSchema(ContactRoleSchema)
  const base = '/v1/opportunities/:opportunityId/contacts'
  const item = `${base}/:contactRoleId`

  app.get(base, {
    config: read,
    schema: {
      ...common,
      operationId: 'listOpportunityContactRoles',
      summary: 'List the contact roles of an opportunity',
      description: 'A page of the opportunity\'s contact roles, newest first unless `sort` says ' +
        'otherwise, with the cursor, sort and filter grammar of every list; `q` matches the contact\'s ' +
        'name and email. An unknown opportunity answers 404.',
      params: ParentParamsSchema,
      querystring: listQuerySchema(contactRoleResource),
      response: {
        200: jsonResponse(
          'A page of contact roles', pageSchema(roleRef, 'A page of contact roles')
        ),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { opportunityId } = request.params as { opportunityId: string }
    const workspaceId = request.tenant.workspaceId
    await findOpportunity(app.deps.db, workspaceId, opportunityId)
    const page = await listRecords(
      app.deps.db, contactRoleResource, workspaceId, request.query as ListQuery,
      eq(roles.opportunityId, opportunityId)
    )
    return { data: page.rows.map(contactRoleResource.toDto), nextCursor: page.nextCursor }
  })

  app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      ...common,
      operationId: 'createOpportunityContactRole',
      summary: 'Add a contact to an opportunity',
      description: 'Gives a contact a role on the opportunity. The contact must be a live contact of the ' +
        'workspace (422 `CRM_INVALID_REFERENCE`) without a role on this opportunity yet (409 ' +
        `\`CRM_OPPORTUNITY_CONTACT_EXISTS\`). ${PRIMARY_RULE} Idempotency-Key replays a retry.`,
      headers: IdempotencyHeaders,
      params: ParentParamsSchema,
      body: CreateContactRoleBodySchema,
      response: {
        201: jsonResponse(
          'The new contact role', roleRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { opportunityId } = request.params as { opportunityId: string }
    const body = request.body as CreateContactRoleBody
    const row = await addContactRole(app.deps.db, request.tenant, opportunityId, body)
    reply.code(201)
    reply.header('location', `/v1/opportunities/${opportunityId}/contacts/${row.id}`)
    reply.header('etag', etag(row.version))
    return contactRoleResource.toDto(row)
  })

  app.get(item, {
    config: read,
    schema: {
      ...common,
      operationId: 'getOpportunityContactRole',
      summary: 'Get a contact role of an opportunity',
      description: 'A role of another opportunity, or of an unknown one, answers 404.',
      params: RoleParamsSchema,
      response: {
        200: jsonResponse('The contact role', roleRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, contactRoleId } = request.params as RoleParams
    const workspaceId = request.tenant.workspaceId
    await findOpportunity(app.deps.db, workspaceId, opportunityId)
    const row = await getContactRole(app.deps.db, workspaceId, opportunityId, contactRoleId)
    if (row === undefined) throw notFound(contactRoleResource, contactRoleId)
    reply.header('etag', etag(row.version))
    return contactRoleResource.toDto(row)
  })

  app.patch(item, {
    config: write,
    schema: {
      ...common,
      operationId: 'updateOpportunityContactRole',
      summary: 'Change a contact role of an opportunity',
      description: 'Changes the role or whether it is primary; the contact cannot change (remove the ' +
        `role and add another). ${PRIMARY_RULE} With If-Match, a stale ETag answers 412 and changes nothing.`,
      headers: IfMatchHeaders,
      params: RoleParamsSchema,
      body: UpdateContactRoleBodySchema,
      response: {
        200: jsonResponse('The changed contact role', roleRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, contactRoleId } = request.params as RoleParams
    const row = await changeContactRole(
      app.deps.db, request.tenant, opportunityId, contactRoleId,
      request.body as UpdateContactRoleBody, ifMatch(request)
    )
    reply.header('etag', etag(row.version))
    return contactRoleResource.toDto(row)
  })

  app.delete(item, {
    config: write,
    schema: {
      ...common,
      operationId: 'deleteOpportunityContactRole',
      summary: 'Remove a contact from an opportunity',
      description: 'Removes the contact\'s role; removing the primary role clears the opportunity\'s ' +
        '`contactId`. With If-Match, a stale ETag answers 412.',
      headers: IfMatchHeaders,
      params: RoleParamsSchema,
      response: {
        204: NoContentResponse,
        ...problemResponses(400, 401, 403, 404, 409, 412)
      }
    }
  }, async (request, reply) => {
    const { opportunityId, contactRoleId } = request.params as RoleParams
    await removeContactRole(
      app.deps.db, request.tenant, opportunityId, contactRoleId, ifMatch(request)
    )
    return reply.code(204).send()
  })
}

function ifMatch (request: FastifyRequest): string | undefined {
  return request.headers['if-match']
}
