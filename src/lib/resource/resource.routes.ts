import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TSchema } from 'typebox'
import { filterParameters } from '../list/filters.js'
import { MAX_SORT_KEYS } from '../list/sort.js'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  LocationHeader,
  NoContentResponse,
  problemResponses
} from '../http/responses.js'
import { pageSchema, UuidSchema } from '../schemas.js'
import { notFound } from './resource.errors.js'
import {
  DEFAULT_LIMIT, getRecord, listRecords, MAX_LIMIT, type ListQuery
} from './resource.queries.js'
import {
  type AfterCommitContext, createResource, deleteResource, etag, updateResource
} from './resource.service.js'
import type { AnyResourceDefinition, ResourceDefinition, Row, Verb } from './resource.js'

/** Query parameters every list shares: paging, sort and `q`. */
export function listQuerySchema (def: AnyResourceDefinition, extra: Record<string, TSchema> = {}) {
  const sortable = Object.keys(def.sortable)
  return Type.Object(
    {
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_LIMIT,
          default: DEFAULT_LIMIT,
          description: `page size, at most ${MAX_LIMIT}`
        })
      ),
      cursor: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 2048,
          description: 'the nextCursor of the previous page'
        })
      ),
      sort: Type.Optional(
        Type.String({
          pattern: sortPattern(sortable),
          'x-pattern-message':
            `must be a comma list of ${sortable.join(', ')}, each with an optional '-'`,
          description:
            `comma list of ${sortable.join(', ')}; '-' for descending; default -createdAt`,
          examples: ['-createdAt']
        })
      ),
      q: Type.Optional(
        Type.String({ minLength: 1, maxLength: 200, description: def.searchDescription })
      ),
      ...Object.fromEntries(
        Object.entries(filterParameters(def.filters))
          .map(([k, v]) => [k, Type.Optional(v)])
      ),
      ...extra
    },
    { additionalProperties: false }
  )
}

/** The sort grammar with the resource's own field names, so the contract is exact. */
function sortPattern (fields: string[]): string {
  const key = `-?(${fields.join('|')})`
  return `^${key}(,${key}){0,${MAX_SORT_KEYS - 1}}$`
}

/** The path parameter that names one record of the resource. */
export function idParamOf (def: AnyResourceDefinition): string {
  return def.idParam ?? `${def.name}Id`
}

export function idParams (def: AnyResourceDefinition) {
  return Type.Object({ [idParamOf(def)]: UuidSchema }, { additionalProperties: false })
}

/** The name with its article and the plural, as the summaries say them. */
export function wordingOf (def: AnyResourceDefinition): { aName: string, plural: string } {
  return {
    aName: def.wording?.aName ?? `a ${def.name}`,
    plural: def.wording?.plural ?? def.plural
  }
}

export type { Verb } from './resource.js'

/**
 * Registers list, create, get, update and delete for a resource under
 * `/v1/<plural>`. Tenancy comes from request.tenant (set by the auth plugin);
 * roles from the route's permission config.
 */
export function registerResourceRoutes<R extends Row> (
  app: FastifyInstance,
  def: ResourceDefinition<R>,
  options: { verbs?: readonly Verb[] } = {}
) {
  const verbs = new Set(options.verbs ?? ['list', 'create', 'get', 'update', 'delete'])
  const idParam = idParamOf(def)
  const words = wordingOf(def)
  const problems = (verb: Verb, ...statuses: number[]) =>
    def.problems?.[verb] ?? problemResponses(...statuses)
  const recordRef = Type.Unsafe(Type.Ref(recordSchemaId(def)))
  const base = `/v1/${def.plural}`
  const itemPath = `${base}/:${idParam}`
  const read = { permission: { resource: def.plural, action: 'read' as const } }
  const write = { permission: { resource: def.plural, action: 'write' as const } }
  const id = (request: FastifyRequest) =>
    (request.params as Record<string, string>)[idParam] as string
  const after = (request: FastifyRequest): AfterCommitContext => ({ deps: app.deps, log: request.log })

  if (verbs.has('list')) app.get(base, {
    config: read,
    schema: {
      tags: [def.tag],
      operationId: `list${def.nounPlural}`,
      summary: `List ${words.plural}`,
      description: def.descriptions?.list ??
        `A page of ${words.plural}, newest first unless \`sort\` says otherwise. ` +
        'Filters combine with AND; a comma list inside one filter means any of the values.',
      security: [{ bearerAuth: [] }],
      querystring: listQuerySchema(def),
      response: {
        200: jsonResponse(
          `A page of ${words.plural}`, pageSchema(recordRef, `A page of ${words.plural}`)
        ),
        ...problems('list', 400, 401, 403)
      }
    }
  }, async (request) => {
    const query = request.query as ListQuery
    const page = await listRecords(app.deps.db, def, request.tenant.workspaceId, query)
    return { data: page.rows.map(def.toDto), nextCursor: page.nextCursor }
  })

  if (verbs.has('create')) app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      tags: [def.tag],
      operationId: `create${def.noun}`,
      summary: `Create ${words.aName}`,
      description: def.descriptions?.create,
      security: [{ bearerAuth: [] }],
      headers: IdempotencyHeaders,
      body: def.schemas.create,
      response: {
        201: jsonResponse(
          `The new ${def.name}`, recordRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problems('create', 400, 401, 403, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const row = await createResource(app.deps.db, def, request.tenant, request.body, after(request))
    reply.header('location', `${base}/${row.id}`)
    return sendRecord(reply.code(201), def, row)
  })

  if (verbs.has('get')) app.get(itemPath, {
    config: read,
    schema: {
      tags: [def.tag],
      operationId: `get${def.noun}`,
      summary: `Get ${words.aName}`,
      security: [{ bearerAuth: [] }],
      params: idParams(def),
      response: {
        200: jsonResponse(`The ${def.name}`, recordRef, { ETag: EtagHeader }),
        ...problems('get', 400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const row = await getRecord(app.deps.db, def, request.tenant.workspaceId, id(request))
    if (row === undefined) throw notFound(def, id(request))
    return sendRecord(reply, def, row)
  })

  if (verbs.has('update')) app.patch(itemPath, {
    config: write,
    schema: {
      tags: [def.tag],
      operationId: `update${def.noun}`,
      summary: `Update ${words.aName}`,
      description: def.descriptions?.update ??
        'Merges the body into the record (RFC 7396): absent fields stay, ' +
        '`null` clears an optional field. With If-Match, a stale ETag answers 412 ' +
        'and changes nothing.',
      security: [{ bearerAuth: [] }],
      params: idParams(def),
      headers: IfMatchHeaders,
      body: def.schemas.update,
      response: {
        200: jsonResponse(`The updated ${def.name}`, recordRef, { ETag: EtagHeader }),
        ...problems('update', 400, 401, 403, 404, 409, 412, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const ifMatch = request.headers['if-match']
    const row = await updateResource(
      app.deps.db, def, request.tenant, id(request), request.body, ifMatch, after(request)
    )
    return sendRecord(reply, def, row)
  })

  if (verbs.has('delete')) app.delete(itemPath, {
    config: write,
    schema: {
      tags: [def.tag],
      operationId: `delete${def.noun}`,
      summary: `Delete ${words.aName}`,
      description: def.descriptions?.delete ??
        `Removes the ${def.name} from every read and list. ` +
        `A ${def.name} that other live records still refer to is not deleted: ` +
        'the answer is 409 and names what refers to it.',
      security: [{ bearerAuth: [] }],
      params: idParams(def),
      headers: IfMatchHeaders,
      response: {
        204: NoContentResponse,
        ...problems('delete', 400, 401, 403, 404, 409, 412)
      }
    }
  }, async (request, reply) => {
    const ifMatch = request.headers['if-match']
    await deleteResource(app.deps.db, def, request.tenant, id(request), ifMatch, after(request))
    return reply.code(204).send()
  })
}

export function recordSchemaId (def: AnyResourceDefinition): string {
  const id = (def.schemas.record as { $id?: string }).$id
  if (id === undefined) throw new Error(`${def.name} record schema needs an $id`)
  return id
}

function sendRecord<R extends Row> (reply: FastifyReply, def: ResourceDefinition<R>, row: R) {
  reply.header('etag', etag(row.version))
  return def.toDto(row)
}
