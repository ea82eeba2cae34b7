import { eq } from 'drizzle-orm'
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
import { pageSchema, UuidSchema } from '../../../lib/schemas.js'
import { caseResource } from '../cases.resource.js'
import { caseCommentResource } from './case-comments.resource.js'
import type { CaseCommentRow } from './case-comments.queries.js'
import {
  CaseCommentSchema,
  type CreateCaseCommentBody,
  CreateCaseCommentBodySchema,
  type UpdateCaseCommentBody,
  UpdateCaseCommentBodySchema
} from './case-comments.schemas.js'
import { createCaseComment, deleteCaseComment, updateCaseComment } from './case-comments.service.js'
import { caseComments } from './case-comments.table.js'

const base = '/v1/cases/:caseId/comments'
const item = `${base}/:commentId`
const tags = ['Cases']
const security = [{ bearerAuth: [] }]
const read = { permission: { resource: 'cases', action: 'read' as const } }
const write = { permission: { resource: 'cases', action: 'write' as const } }
const commentRef = Type.Unsafe(Type.Ref('CaseComment'))

const CaseParamsSchema = Type.Object({ caseId: UuidSchema }, { additionalProperties: false })
const CommentParamsSchema = Type.Object(
  { caseId: UuidSchema, commentId: UuidSchema },
  { additionalProperties: false }
)

interface CommentParams { caseId: string, commentId: string }

/**
 * The list grammar of every list (limit, cursor, sort, filters), but oldest
 * first by default, as a conversation reads, and without `q`: comments have
 * no text index.
 */
function commentListQuerySchema () {
  const { q: _q, sort, ...rest } = listQuerySchema(caseCommentResource).properties
  return Type.Object(
    {
      ...rest,
      sort: Type.Optional(Type.String({
        pattern: (sort as unknown as { pattern: string }).pattern,
        'x-pattern-message':
          'must be a comma list of createdAt, updatedAt, each with an optional \'-\'',
        description:
          'comma list of createdAt, updatedAt; \'-\' for descending; default createdAt (oldest first)',
        examples: ['-createdAt']
      }))
    },
    { additionalProperties: false }
  )
}

const authorRule =
  'Only the comment\'s author, an admin or a manager may do this; another role allowed to ' +
  'write cases answers 403 (CRM_CASE_COMMENT_NOT_AUTHOR).'

const firstResponseRule =
  'When the case has no `firstResponseAt`, a public comment sets it to the comment\'s ' +
  '`createdAt` (an internal comment never does), bumping the case\'s version; a later public ' +
  'comment leaves it as it is.'

export async function caseCommentsRoutes (app: FastifyInstance) {
  app.addSchema(CaseCommentSchema)

  const send = (reply: FastifyReply, row: CaseCommentRow) => {
    reply.header('etag', etag(row.version))
    return caseCommentResource.toDto(row)
  }
  const params = (request: FastifyRequest) => request.params as CommentParams

  app.get(base, {
    config: read,
    schema: {
      tags,
      operationId: 'listCaseComments',
      summary: 'List the comments of a case',
      description: 'A page of the case\'s comments, public and internal, oldest first unless ' +
        '`sort` says otherwise, with the cursor and filters of every list (`isPublic`, ' +
        '`authorId`, `createdAtFrom`, `createdAtTo`). An unknown case answers 404.',
      security,
      params: CaseParamsSchema,
      querystring: commentListQuerySchema(),
      response: {
        200: jsonResponse('A page of comments', pageSchema(commentRef, 'A page of case comments')),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { caseId } = request.params as { caseId: string }
    const workspaceId = request.tenant.workspaceId
    const kase = await getRecord(app.deps.db, caseResource, workspaceId, caseId)
    if (kase === undefined) throw notFound(caseResource, caseId)
    const query = request.query as ListQuery
    const page = await listRecords(
      app.deps.db,
      caseCommentResource,
      workspaceId,
      { ...query, sort: query.sort ?? 'createdAt' },
      eq(caseComments.caseId, caseId)
    )
    return { data: page.rows.map(caseCommentResource.toDto), nextCursor: page.nextCursor }
  })

  app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      tags,
      operationId: 'createCaseComment',
      summary: 'Comment on a case',
      description: 'Adds a comment by the caller; `isPublic` defaults to false (an internal ' +
        `note). Comments may be added in any status, closed ones included. ${firstResponseRule} ` +
        'An unknown case answers 404.',
      security,
      params: CaseParamsSchema,
      headers: IdempotencyHeaders,
      body: CreateCaseCommentBodySchema,
      response: {
        201: jsonResponse(
          'The new comment', commentRef, { ETag: EtagHeader, Location: LocationHeader }
        ),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request, reply) => {
    const { caseId } = request.params as { caseId: string }
    const body = request.body as CreateCaseCommentBody
    const row = await createCaseComment(app.deps.db, request.tenant, caseId, body)
    reply.header('location', `/v1/cases/${caseId}/comments/${row.id}`)
    return send(reply.code(201), row)
  })

  app.get(item, {
    config: read,
    schema: {
      tags,
      operationId: 'getCaseComment',
      summary: 'Get a comment of a case',
      description: 'A comment of another case, or of an unknown case, answers 404.',
      security,
      params: CommentParamsSchema,
      response: {
        200: jsonResponse('The comment', commentRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { caseId, commentId } = params(request)
    const row = await getComment(app, request.tenant.workspaceId, caseId, commentId)
    return send(reply, row)
  })

  app.patch(item, {
    config: write,
    schema: {
      tags,
      operationId: 'updateCaseComment',
      summary: 'Update a comment of a case',
      description: 'Changes the text or the visibility of a comment. ' + authorRule + ' Making ' +
        'an internal comment public sets the case\'s `firstResponseAt` to that moment when the ' +
        'case has none; making a public comment internal leaves `firstResponseAt` as it is. ' +
        'With If-Match, a stale ETag answers 412 and changes nothing.',
      security,
      params: CommentParamsSchema,
      headers: IfMatchHeaders,
      body: UpdateCaseCommentBodySchema,
      response: {
        200: jsonResponse('The updated comment', commentRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 412, 413, 415)
      }
    }
  }, async (request, reply) => {
    const patch = request.body as UpdateCaseCommentBody
    const ifMatch = request.headers['if-match']
    const ids = params(request)
    const row = await updateCaseComment(app.deps.db, request.tenant, ids, patch, ifMatch)
    return send(reply, row)
  })

  app.delete(item, {
    config: write,
    schema: {
      tags,
      operationId: 'deleteCaseComment',
      summary: 'Delete a comment of a case',
      description: `Removes the comment from every read and list. ${authorRule} The case's ` +
        '`firstResponseAt` stays, even when it came from this comment. With If-Match, a stale ' +
        'ETag answers 412 and deletes nothing.',
      security,
      params: CommentParamsSchema,
      headers: IfMatchHeaders,
      response: {
        204: NoContentResponse,
        ...problemResponses(400, 401, 403, 404, 412)
      }
    }
  }, async (request, reply) => {
    const ifMatch = request.headers['if-match']
    await deleteCaseComment(app.deps.db, request.tenant, params(request), ifMatch)
    return reply.code(204).send()
  })
}

/** A live comment of the case in the workspace; anything else answers 404. */
async function getComment (
  app: FastifyInstance,
  workspaceId: string,
  caseId: string,
  commentId: string
) {
  const kase = await getRecord(app.deps.db, caseResource, workspaceId, caseId)
  if (kase === undefined) throw notFound(caseResource, caseId)
  const row = await getRecord(app.deps.db, caseCommentResource, workspaceId, commentId)
  if (row === undefined || row.caseId !== caseId) throw notFound(caseCommentResource, commentId)
  return row
}
