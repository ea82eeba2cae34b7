import type { FastifyInstance } from 'fastify'
import { eq, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../http/responses.js'
import { pageSchema } from '../schemas.js'
import { notFound } from './resource.errors.js'
import { getRecord, listRecords, type ListQuery } from './resource.queries.js'
import { idParamOf, idParams, listQuerySchema, recordSchemaId, wordingOf } from './resource.routes.js'
import type { AnyResourceDefinition } from './resource.js'

export interface RelatedList {
  parent: AnyResourceDefinition
  child: AnyResourceDefinition
  /** The child's column that holds the parent's id, or the condition that links them. */
  link: AnyPgColumn | ((parentId: string) => SQL)
  /** What the link means, for the description: 'whose accountId is the account'. */
  meaning: string
}

/**
 * `GET /v1/<parents>/{parentId}/<children>`: the children of one record with
 * the same cursor, sort, filter and `q` grammar as the children's own list.
 * A parent that does not exist for the caller answers 404, never an empty page.
 */
export function registerRelatedList (app: FastifyInstance, list: RelatedList) {
  const { parent, child } = list
  const idParam = idParamOf(parent)
  const recordRef = Type.Unsafe(Type.Ref(recordSchemaId(child)))
  app.get(`/v1/${parent.plural}/:${idParam}/${child.plural}`, {
    config: { permission: { resource: child.plural, action: 'read' } },
    schema: {
      tags: [parent.tag],
      operationId: `list${parent.noun}${child.nounPlural}`,
      summary: `List the ${child.plural} of ${wordingOf(parent).aName}`,
      description: `The ${child.plural} ${list.meaning}, as a page with the cursor, sort, filters and \`q\` ` +
        `of \`GET /v1/${child.plural}\`. An unknown ${parent.name} answers 404.`,
      security: [{ bearerAuth: [] }],
      params: idParams(parent),
      querystring: listQuerySchema(child),
      response: {
        200: jsonResponse(
          `A page of the ${parent.name}'s ${child.plural}`,
          pageSchema(recordRef, `A page of ${child.plural}`)
        ),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const parentId = (request.params as Record<string, string>)[idParam] as string
    const workspaceId = request.tenant.workspaceId
    const found = await getRecord(app.deps.db, parent, workspaceId, parentId)
    if (found === undefined) throw notFound(parent, parentId)
    const condition = typeof list.link === 'function' ? list.link(parentId) : eq(list.link, parentId)
    const page = await listRecords(app.deps.db, child, workspaceId, request.query as ListQuery, condition)
    return { data: page.rows.map(child.toDto), nextCursor: page.nextCursor }
  })
}
