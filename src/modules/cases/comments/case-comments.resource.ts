import { pickFields } from '../../../lib/resource/resource.fields.js'
import { recordToDto } from '../../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../../lib/resource/resource.js'
import type { WriteContext } from '../../../lib/records/tenant.js'
import { searchDocument } from '../../../db/full-text.js'
import { problemResponses } from '../../../lib/http/responses.js'
import { CaseCommentNotAuthorError } from './case-comments.errors.js'
import type { CaseCommentRow } from './case-comments.queries.js'
import {
  type CaseComment,
  CaseCommentSchema,
  type CreateCaseCommentBody,
  CreateCaseCommentBodySchema,
  type UpdateCaseCommentBody,
  UpdateCaseCommentBodySchema
} from './case-comments.schemas.js'
import { caseComments } from './case-comments.table.js'

type CommentRow = CaseCommentRow & Row
export type NewCaseComment = CreateCaseCommentBody & { caseId: string }

/** Roles that may change or delete anyone's comment; others only their own. */
const MODERATORS = new Set(['admin', 'manager'])

function assertMayChange (ctx: WriteContext, comment: CommentRow) {
  if (MODERATORS.has(ctx.tenant.role) || comment.authorId === ctx.tenant.userId) return
  throw new CaseCommentNotAuthorError(comment.id)
}

/**
 * Case comments as a resource, for the list grammar, the tenant-scoped reads
 * and the write hooks. Its routes are nested under the case
 * (case-comments.routes.ts), so it is not registered at the top level.
 */
export const caseCommentResource: ResourceDefinition<CommentRow, CaseComment> = {
  name: 'case comment',
  // Names the prepared statements of the generic reads, so it must not clash.
  plural: 'case-comments',
  code: 'CASE_COMMENT',
  noun: 'CaseComment',
  nounPlural: 'CaseComments',
  tag: 'Cases',
  idParam: 'commentId',
  wording: { plural: 'case comments' },
  table: caseComments,
  schemas: {
    record: CaseCommentSchema,
    create: CreateCaseCommentBodySchema,
    update: UpdateCaseCommentBodySchema
  },
  // A comment refers to nothing the caller names and nothing refers to it:
  // its update and delete cannot conflict (409) and its patch checks no more
  // than its schema (no 422).
  problems: {
    update: problemResponses(400, 401, 403, 404, 412, 413, 415),
    delete: problemResponses(400, 401, 403, 404, 412)
  },
  sortable: {
    createdAt: { column: caseComments.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: caseComments.updatedAt, kind: 'timestamp', nullable: false }
  },
  filters: [
    { kind: 'boolean', name: 'isPublic', column: caseComments.isPublic },
    { kind: 'uuid', name: 'authorId', column: caseComments.authorId },
    { kind: 'timestampRange', name: 'createdAt', column: caseComments.createdAt }
  ],
  // No `q` on comments (the list does not offer it): there is no text index on them.
  search: searchDocument([caseComments.body]),
  searchDescription: 'not offered',
  references: [],
  referencedBy: [],
  toDto: (row) => recordToDto<CaseComment>(CaseCommentSchema, row),
  async prepareCreate (ctx, body) {
    const input = body as NewCaseComment
    return {
      caseId: input.caseId,
      body: input.body,
      isPublic: input.isPublic ?? false,
      authorId: ctx.tenant.userId,
      // Fixed here, so a first response can record exactly the comment's time.
      createdAt: new Date()
    }
  },
  async prepareUpdate (ctx, current, patch) {
    assertMayChange(ctx, current)
    return pickFields(patch as UpdateCaseCommentBody, ['body', 'isPublic'])
  },
  async prepareDelete (ctx, current) {
    assertMayChange(ctx, current)
  }
}
