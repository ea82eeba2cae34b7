import { and, asc, eq } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import { DEFAULT_STAGES } from './opportunity-stages.defaults.js'
import { opportunityStages } from './opportunity-stages.table.js'

export type StageRow = typeof opportunityStages.$inferSelect

export async function insertDefaultStages (tx: Executor, workspaceId: string) {
  await tx.insert(opportunityStages).values(DEFAULT_STAGES.map((s) => ({ ...s, workspaceId })))
}

export async function listStages (db: Executor, workspaceId: string): Promise<StageRow[]> {
  return db
    .select()
    .from(opportunityStages)
    .where(scoped(opportunityStages, workspaceId))
    .orderBy(asc(opportunityStages.position), asc(opportunityStages.key))
}

/** The live stage with this key in the workspace, or undefined. */
export async function getStage (db: Executor, workspaceId: string, key: string): Promise<StageRow | undefined> {
  const rows = await db
    .select()
    .from(opportunityStages)
    .where(and(scoped(opportunityStages, workspaceId), eq(opportunityStages.key, key)))
  return rows[0]
}
