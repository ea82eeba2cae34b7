import { onRecordChange } from '../../../lib/records/record-writer.js'
import { opportunities } from '../opportunities.table.js'
import { insertHistoryEntry } from './opportunity-history.queries.js'
import { TRACKED_FIELDS, type TrackedField } from './opportunity-history.schemas.js'

type OpportunityRow = typeof opportunities.$inferSelect

/**
 * Keeps the opportunity history: every write of an opportunity through the
 * record writer comes here inside its transaction, so an entry commits or
 * rolls back with the change it records. A creation gets one entry with
 * all four fields; a change gets one only when stage, amount, probability
 * or close date differs between the row before and after (both as stored,
 * so "100" and "100.00" are one amount); a delete gets none, and the
 * history stays. Set-based flag copies (a stage's isClosed/isWon) do not
 * come through here and touch none of the four fields.
 */
onRecordChange(opportunities, async (ctx, change) => {
  const after = change.after as OpportunityRow | undefined
  if (after === undefined) return
  const before = change.before as OpportunityRow | undefined
  const changedFields: TrackedField[] = before === undefined
    ? [...TRACKED_FIELDS]
    : TRACKED_FIELDS.filter((field) => before[field] !== after[field])
  if (changedFields.length === 0) return
  await insertHistoryEntry(ctx.tx, ctx.tenant.workspaceId, {
    opportunityId: after.id,
    changedById: ctx.tenant.userId,
    changedFields,
    stage: after.stage,
    amount: after.amount,
    probability: after.probability,
    closeDate: after.closeDate,
    previousStage: before?.stage ?? null,
    previousAmount: before?.amount ?? null,
    previousProbability: before?.probability ?? null,
    previousCloseDate: before?.closeDate ?? null
  })
})
