import type { Database } from '../../db/pool.js'
import { withFieldErrors } from '../../lib/errors.js'
import { insertRecord, updateRecord } from '../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../lib/records/tenant.js'
import { StageKeyTakenError } from './opportunity-stages.errors.js'
import { findStageByKey } from './opportunity-stages.queries.js'
import { opportunityStageResource } from './opportunity-stages.resource.js'
import { opportunityStages } from './opportunity-stages.table.js'

type StageRow = typeof opportunityStages.$inferSelect

/**
 * Creates a stage in one transaction. Keys stay unique over deleted stages
 * (deleted opportunities still name theirs, through a foreign key on the
 * key), so a key whose stage was deleted brings that row back with the new
 * values instead of failing: same id, version counting on. A live stage
 * with the key answers 409. The pipeline lock taken by prepareCreate makes
 * the look-up and the write one step for concurrent creates.
 */
export async function createStage (db: Database, tenant: Tenant, body: unknown): Promise<StageRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const values = await opportunityStageResource.prepareCreate(ctx, body)
    const key = values.key as string
    const existing = await findStageByKey(tx, tenant.workspaceId, key)
    if (existing === undefined) return insertRecord<StageRow>(ctx, opportunityStages, values)
    if (existing.deletedAt === null) {
      const message = 'another stage of this workspace already has this key'
      throw withFieldErrors(new StageKeyTakenError(key), [{ pointer: '/key', message }])
    }
    return updateRecord<StageRow>(ctx, opportunityStages, existing, { ...values, deletedAt: null })
  })
}
