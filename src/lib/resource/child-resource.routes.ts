import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type, type TSchema } from 'typebox'
import type { Database, Executor } from '../../db/pool.js'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  LocationHeader,
  NoContentResponse,
  problemResponses
} from '../http/responses.js'
import type { Tenant } from '../records/tenant.js'
import { pageSchema, UuidSchema } from '../schemas.js'
import { notFound } from './resource.errors.js'
import { listRecords, type ListQuery } from './resource.queries.js'
import { idParamOf, listQuerySchema, recordSchemaId, wordingOf } from './resource.routes.js'
import { etag } from './resource.service.js'
import type { AnyResourceDefinition, ResourceDefinition, Row, Verb } from './resource.js'

/**
 * Records that live under a parent record and are only reached through it,
 * such as the line items of an opportunity. The writes are the module's:
 * they lock the parent and keep it in step, which the generic service
 * cannot know of.
 */
export interface ChildResource<R extends Row> {
  parent: AnyResourceDefinition
  /** Throws the parent's 404 when the caller cannot see it. */
  findParent: (db: Executor, workspaceId: string, parentId: string) => Promise<unknown>
  child: ResourceDefinition<R>
  /** The URL segment under one parent: 'line-items'. */
  segment: string
  /** The child's column holding its parent's id. */
  link: AnyPgColumn
  /** Summary and description of each operation: each says what it does to the parent. */
  operations: Record<Verb, { summary: string, description: string }>
  /** The description of a success answer, where `The updated <name>` and the like read wrong. */
  answers?: Partial<Record<Verb, string>>
  /**
   * The list's own query grammar and default sort, where the children read
   * in another order than newest first (the comments of a conversation).
   */
  list?: { query: TSchema, sort: string }
  /** The live child of the parent, or undefined. */
  get: (db: Executor, workspaceId: string, parentId: string, id: string) => Promise<R | undefined>
  create: (db: Database, tenant: Tenant, parentId: string, body: unknown) => Promise<R>
  update: (
    db: Database, tenant: Tenant, parentId: string, id: string, patch: unknown, ifMatch: string | undefined
  ) => Promise<R>
  delete: (
    db: Database, tenant: Tenant, parentId: string, id: string, ifMatch: string | undefined
  ) => Promise<void>
}

/**
 * Registers list, create, get, update and delete of a child resource under
 * `/v1/<parents>/{parentId}/<segment>`. Permissions and the tag are the
 * parent's; a parent the caller cannot see answers 404 on every route.
 */
export function registerChildResourceRoutes<R extends Row> (app: FastifyInstance, spec: ChildResource<R>) {
  const { parent, child, operations } = spec
  // The writes here are the module's, not the generic service's: a hook on
  // the child would never run.
  if (child.afterCommit !== undefined) {
    throw new Error(`${child.name}: registerChildResourceRoutes does not run afterCommit; its writes must`)
  }
  const parentParam = idParamOf(parent)
  const childParam = idParamOf(child)
  const base = `/v1/${parent.plural}/:${parentParam}/${spec.segment}`
  const item = `${base}/:${childParam}`
  const recordRef = Type.Unsafe(Type.Ref(recordSchemaId(child)))
  const read = { permission: { resource: parent.plural, action: 'read' as const } }
  const write = { permission: { resource: parent.plural, action: 'write' as const } }
  const common = { tags: [parent.tag], security: [{ bearerAuth: [] }] }
  const words = wordingOf(child)
  const answer = (verb: Verb, fallback: string) => spec.answers?.[verb] ?? fallback
  const problems = (verb: Verb, ...statuses: number[]) =>
    child.problems?.[verb] ?? problemResponses(...statuses)
  const ParentParams = Type.Object({ [parentParam]: UuidSchema }, { additionalProperties: false })
  const ItemParams = Type.Object(
    { [parentParam]: UuidSchema, [childParam]: UuidSchema },
    { additionalProperties: false }
  )
  const ids = (request: FastifyRequest) => {
    const params = request.params as Record<string, string>
    return { parentId: params[parentParam] as string, id: params[childParam] as string }
  }
  const ifMatch = (request: FastifyRequest) => request.headers['if-match']

  app.get(base, {
    config: read,
    schema: {
      ...common,
      operationId: `list${child.nounPlural}`,
      ...operations.list,
      params: ParentParams,
      querystring: spec.list?.query ?? listQuerySchema(child),
      response: {
        200: jsonResponse(
          answer('list', `A page of ${words.plural}`), pageSchema(recordRef, `A page of ${words.plural}`)
        ),
        ...problems('list', 400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { parentId } = ids(request)
    const workspaceId = request.tenant.workspaceId
    await spec.findParent(app.deps.db, workspaceId, parentId)
    const query = request.query as ListQuery
    const page = await listRecords(
      app.deps.db, child, workspaceId, { ...query, sort: query.sort ?? spec.list?.sort }, eq(spec.link, parentId)
    )
    return { data: page.rows.map(child.toDto), nextCursor: page.nextCursor }
  })

  app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      ...common,
      operationId: `create${child.noun}`,
      ...operations.create,
      headers: IdempotencyHeaders,
      params: ParentParams,
      body: child.schemas.create,
      response: {
        201: jsonResponse(
          answer('create', `The new ${child.name}`), recordRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problems('create', 400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { parentId } = ids(request)
    const row = await spec.create(app.deps.db, request.tenant, parentId, request.body)
    reply.code(201)
    reply.header('location', `/v1/${parent.plural}/${parentId}/${spec.segment}/${row.id}`)
    reply.header('etag', etag(row.version))
    return child.toDto(row)
  })

  app.get(item, {
    config: read,
    schema: {
      ...common,
      operationId: `get${child.noun}`,
      ...operations.get,
      params: ItemParams,
      response: {
        200: jsonResponse(answer('get', `The ${child.name}`), recordRef, { ETag: EtagHeader }),
        ...problems('get', 400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { parentId, id } = ids(request)
    const workspaceId = request.tenant.workspaceId
    await spec.findParent(app.deps.db, workspaceId, parentId)
    const row = await spec.get(app.deps.db, workspaceId, parentId, id)
    if (row === undefined) throw notFound(child, id)
    reply.header('etag', etag(row.version))
    return child.toDto(row)
  })

  app.patch(item, {
    config: write,
    schema: {
      ...common,
      operationId: `update${child.noun}`,
      ...operations.update,
      headers: IfMatchHeaders,
      params: ItemParams,
      body: child.schemas.update,
      response: {
        200: jsonResponse(answer('update', `The updated ${child.name}`), recordRef, { ETag: EtagHeader }),
        ...problems('update', 400, 401, 403, 404, 409, 412, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { parentId, id } = ids(request)
    const row = await spec.update(app.deps.db, request.tenant, parentId, id, request.body, ifMatch(request))
    reply.header('etag', etag(row.version))
    return child.toDto(row)
  })

  app.delete(item, {
    config: write,
    schema: {
      ...common,
      operationId: `delete${child.noun}`,
      ...operations.delete,
      headers: IfMatchHeaders,
      params: ItemParams,
      response: {
        204: NoContentResponse,
        ...problems('delete', 400, 401, 403, 404, 409, 412)
      }
    }
  }, async (request, reply) => {
    const { parentId, id } = ids(request)
    await spec.delete(app.deps.db, request.tenant, parentId, id, ifMatch(request))
    return reply.code(204).send()
  })
}
