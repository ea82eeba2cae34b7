import { eq } from 'drizzle-orm'
import { deleteRecord } from '../../../lib/records/record-writer.js'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { caseComments } from './case-comments.table.js'

export type CaseCommentRow = typeof caseComments.$inferSelect

/**
 * Deletes every live comment of a case, with the case (whose row the caller
 * holds locked, so no comment is added meanwhile): a comment never outlives
 * its case.
 */
export async function deleteCaseComments (ctx: WriteContext, caseId: string) {
  const rows = await ctx.tx
    .select()
    .from(caseComments)
    .where(scoped(caseComments, ctx.tenant.workspaceId, eq(caseComments.caseId, caseId)))
    .for('update')
  for (const row of rows) await deleteRecord(ctx, caseComments, row)
}
