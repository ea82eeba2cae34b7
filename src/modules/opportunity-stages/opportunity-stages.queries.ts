import { and, asc, count, eq, max, ne, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import { opportunities } from '../opportunities/opportunities.table.js'
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

/**
 * The live stage with this key in the workspace, or undefined. The row is
 * locked FOR SHARE until the transaction ends: an opportunity that enters
 * the stage waits for a concurrent change of the stage's flags (and then
 * copies the new ones) or for its delete (and then finds no stage), so no
 * live opportunity is left in a deleted stage or with stale flags.
 */
export async function getStage (
  db: Executor,
  workspaceId: string,
  key: string
): Promise<StageRow | undefined> {
  const rows = await db
    .select()
    .from(opportunityStages)
    .where(and(scoped(opportunityStages, workspaceId), eq(opportunityStages.key, key)))
    .for('share')
  return rows[0]
}

/**
 * The first open stage by position, locked FOR SHARE like getStage: the
 * stage a write that names none puts an opportunity in. A stage closed or
 * deleted while this waited for its lock is passed over for the next one.
 */
export async function getFirstOpenStage (
  tx: Executor,
  workspaceId: string
): Promise<StageRow | undefined> {
  // A few rounds at most: each one waits only for a stage write that has ended.
  for (let round = 0; round < 3; round++) {
    const first = (await listStages(tx, workspaceId)).find((s) => !s.isClosed)
    if (first === undefined) return undefined
    const locked = await getStage(tx, workspaceId, first.key)
    if (locked !== undefined && !locked.isClosed) return locked
  }
  return undefined
}

/**
 * Serializes the writes of one workspace's pipeline until the transaction
 * ends. The rules that span stages (at least one open stage, unique keys,
 * the stage limit) read the other stages after this lock, so two writes
 * cannot each see the other's stage as still there. Taken after the row
 * lock of the stage being written, never before it: a write that holds
 * this lock never waits for a stage row another write holds. (It may wait
 * for opportunity rows, when it copies flags; the rare deadlock that can
 * make is broken by Postgres and answers 409, retry.)
 */
export async function lockPipeline (tx: Executor, workspaceId: string) {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`opportunity_stages:${workspaceId}`}, 0))`
  )
}

/**
 * The stage with this key, live or deleted: keys stay unique over deleted
 * stages, which opportunities deleted with them still name.
 */
export async function findStageByKey (
  db: Executor,
  workspaceId: string,
  key: string
): Promise<StageRow | undefined> {
  const rows = await db
    .select()
    .from(opportunityStages)
    .where(and(eq(opportunityStages.workspaceId, workspaceId), eq(opportunityStages.key, key)))
  return rows[0]
}

/** How many live stages the workspace has, and the highest position among them. */
export async function pipelineSize (
  db: Executor,
  workspaceId: string
): Promise<{ stages: number, lastPosition: number | null }> {
  const [row] = await db
    .select({ stages: count(), lastPosition: max(opportunityStages.position) })
    .from(opportunityStages)
    .where(scoped(opportunityStages, workspaceId))
  return { stages: row?.stages ?? 0, lastPosition: row?.lastPosition ?? null }
}

/** How many live open stages the workspace has besides the one with this id. */
export async function countOtherOpenStages (db: Executor, workspaceId: string, exceptId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(opportunityStages)
    .where(scoped(
      opportunityStages,
      workspaceId,
      eq(opportunityStages.isClosed, false),
      ne(opportunityStages.id, exceptId)
    ))
  return row?.n ?? 0
}

/** How many live opportunities of the workspace are in the stage with this key. */
export async function countStageOpportunities (db: Executor, workspaceId: string, key: string) {
  const [row] = await db
    .select({ n: count() })
    .from(opportunities)
    .where(scoped(opportunities, workspaceId, eq(opportunities.stage, key)))
  return row?.n ?? 0
}
