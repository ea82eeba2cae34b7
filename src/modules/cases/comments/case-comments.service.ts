import type { Database } from '../../../db/pool.js'
import { deleteRecord, insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { lockRecord } from '../../../lib/resource/resource.queries.js'
import { checkPrecondition } from '../../../lib/resource/resource.service.js'
import { type CaseRow, caseResource } from '../cases.resource.js'
import { cases } from '../cases.table.js'
import { type NewCaseComment, caseCommentResource } from './case-comments.resource.js'
import type { CaseCommentRow } from './case-comments.queries.js'
import type { CreateCaseCommentBody, UpdateCaseCommentBody } from './case-comments.schemas.js'
import { caseComments } from './case-comments.table.js'

/**
 * The writes of case comments, each one transaction that first locks the
 * case FOR UPDATE: an unknown case answers 404, and two comments made at
 * once cannot both count as the first response.
 */

type CommentRow = CaseCommentRow & { id: string, version: number }

async function lockCase (ctx: WriteContext, caseId: string): Promise<CaseRow> {
  const row = await lockRecord(ctx.tx, caseResource, ctx.tenant.workspaceId, caseId)
  if (row === undefined) throw notFound(caseResource, caseId)
  return row
}

/** The comment, locked, if it is a live comment of this case in the workspace. */
async function lockComment (
  ctx: WriteContext,
  caseId: string,
  commentId: string
): Promise<CommentRow> {
  const row = await lockRecord(ctx.tx, caseCommentResource, ctx.tenant.workspaceId, commentId)
  if (row === undefined || row.caseId !== caseId) throw notFound(caseCommentResource, commentId)
  return row
}

/** A public comment is the case's first response when the case has none yet. */
async function recordFirstResponse (
  ctx: WriteContext,
  kase: CaseRow,
  comment: CommentRow,
  at: Date
) {
  if (!comment.isPublic || kase.firstResponseAt !== null) return
  await updateRecord(ctx, cases, kase, { firstResponseAt: at })
}

export async function createCaseComment (
  db: Database,
  tenant: Tenant,
  caseId: string,
  body: CreateCaseCommentBody
): Promise<CommentRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const kase = await lockCase(ctx, caseId)
    const input: NewCaseComment = { ...body, caseId }
    const values = await caseCommentResource.prepareCreate(ctx, input)
    const comment = await insertRecord<CommentRow>(ctx, caseComments, values)
    await recordFirstResponse(ctx, kase, comment, comment.createdAt)
    return comment
  })
}

export async function updateCaseComment (
  db: Database,
  tenant: Tenant,
  ids: { caseId: string, commentId: string },
  patch: UpdateCaseCommentBody,
  ifMatch: string | undefined
): Promise<CommentRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const kase = await lockCase(ctx, ids.caseId)
    const current = await lockComment(ctx, ids.caseId, ids.commentId)
    const changes = await caseCommentResource.prepareUpdate(ctx, current, patch)
    checkPrecondition(ifMatch, current.version)
    const comment = await updateRecord<CommentRow>(ctx, caseComments, current, changes)
    // Made public now: the time it became visible to the customer is the response.
    if (!current.isPublic) await recordFirstResponse(ctx, kase, comment, comment.updatedAt)
    return comment
  })
}

export async function deleteCaseComment (
  db: Database,
  tenant: Tenant,
  ids: { caseId: string, commentId: string },
  ifMatch: string | undefined
): Promise<void> {
  await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    await lockCase(ctx, ids.caseId)
    const current = await lockComment(ctx, ids.caseId, ids.commentId)
    await caseCommentResource.prepareDelete?.(ctx, current)
    checkPrecondition(ifMatch, current.version)
    await deleteRecord(ctx, caseComments, current)
  })
}
