import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Executor } from '../../../db/pool.js'
import { registerChildResourceRoutes } from '../../../lib/resource/child-resource.routes.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { getRecord } from '../../../lib/resource/resource.queries.js'
import { listQuerySchema } from '../../../lib/resource/resource.routes.js'
import { caseResource } from '../cases.resource.js'
import { caseCommentResource } from './case-comments.resource.js'
import {
  CaseCommentSchema,
  type CreateCaseCommentBody,
  type UpdateCaseCommentBody
} from './case-comments.schemas.js'
import { createCaseComment, deleteCaseComment, updateCaseComment } from './case-comments.service.js'
import { caseComments } from './case-comments.table.js'

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

async function findCase (db: Executor, workspaceId: string, caseId: string) {
  const kase = await getRecord(db, caseResource, workspaceId, caseId)
  if (kase === undefined) throw notFound(caseResource, caseId)
}

/** A live comment of the case in the workspace, or undefined. */
async function getComment (db: Executor, workspaceId: string, caseId: string, commentId: string) {
  const row = await getRecord(db, caseCommentResource, workspaceId, commentId)
  return row?.caseId === caseId ? row : undefined
}

/** `/v1/cases/{caseId}/comments`: the conversation on a case, public and internal. */
export async function caseCommentsRoutes (app: FastifyInstance) {
  app.addSchema(CaseCommentSchema)
  registerChildResourceRoutes(app, {
    parent: caseResource,
    findParent: findCase,
    child: caseCommentResource,
    segment: 'comments',
    link: caseComments.caseId,
    list: { query: commentListQuerySchema(), sort: 'createdAt' },
    operations: {
      list: {
        summary: 'List the comments of a case',
        description: 'A page of the case\'s comments, public and internal, oldest first unless ' +
          '`sort` says otherwise, with the cursor and filters of every list (`isPublic`, ' +
          '`authorId`, `createdAtFrom`, `createdAtTo`). An unknown case answers 404.'
      },
      create: {
        summary: 'Comment on a case',
        description: 'Adds a comment by the caller; `isPublic` defaults to false (an internal ' +
          `note). Comments may be added in any status, closed ones included. ${firstResponseRule} ` +
          'An unknown case answers 404.'
      },
      get: {
        summary: 'Get a comment of a case',
        description: 'A comment of another case, or of an unknown case, answers 404.'
      },
      update: {
        summary: 'Update a comment of a case',
        description: 'Changes the text or the visibility of a comment. ' + authorRule + ' Making ' +
          'an internal comment public sets the case\'s `firstResponseAt` to that moment when the ' +
          'case has none; making a public comment internal leaves `firstResponseAt` as it is. ' +
          'With If-Match, a stale ETag answers 412 and changes nothing.'
      },
      delete: {
        summary: 'Delete a comment of a case',
        description: `Removes the comment from every read and list. ${authorRule} The case's ` +
          '`firstResponseAt` stays, even when it came from this comment. With If-Match, a stale ' +
          'ETag answers 412 and deletes nothing.'
      }
    },
    answers: {
      list: 'A page of comments',
      create: 'The new comment',
      get: 'The comment',
      update: 'The updated comment'
    },
    get: getComment,
    create: (db, tenant, caseId, body) => createCaseComment(db, tenant, caseId, body as CreateCaseCommentBody),
    update: (db, tenant, caseId, commentId, patch, ifMatch) =>
      updateCaseComment(db, tenant, { caseId, commentId }, patch as UpdateCaseCommentBody, ifMatch),
    delete: (db, tenant, caseId, commentId, ifMatch) =>
      deleteCaseComment(db, tenant, { caseId, commentId }, ifMatch)
  })
}
