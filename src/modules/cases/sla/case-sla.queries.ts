import { eq, sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { scoped } from '../../../lib/records/tenant.js'
import type { CasePriority } from '../cases.schemas.js'
import { DEFAULT_SERVICE_LEVELS, SLA_PRIORITIES, type ServiceLevel } from './case-sla.defaults.js'
import type { CaseSlaPolicy } from './case-sla.schemas.js'
import { caseSlaPolicies } from './case-sla.table.js'

export type CaseSlaPolicyRow = typeof caseSlaPolicies.$inferSelect

const MINUTE = 60 * 1000

/**
 * The service level of every priority in the workspace, urgent first: the
 * workspace's own row where it has one, the default otherwise.
 */
export async function listSlaPolicies (
  db: Executor,
  workspaceId: string
): Promise<CaseSlaPolicy[]> {
  const rows = await db
    .select()
    .from(caseSlaPolicies)
    .where(scoped(caseSlaPolicies, workspaceId))
  const own = new Map(rows.map((row) => [row.priority, row]))
  return SLA_PRIORITIES.map((priority) => policyOf(priority, own.get(priority)))
}

/** The service level of one priority in the workspace (its own, or the default). */
export async function getServiceLevel (
  db: Executor,
  workspaceId: string,
  priority: CasePriority
): Promise<ServiceLevel> {
  const rows = await db
    .select()
    .from(caseSlaPolicies)
    .where(scoped(caseSlaPolicies, workspaceId, eq(caseSlaPolicies.priority, priority)))
  const { firstResponseMinutes, resolutionMinutes } = policyOf(priority, rows[0])
  return { firstResponseMinutes, resolutionMinutes }
}

/**
 * Serializes the writers of one workspace's policies until the transaction
 * ends: row locks alone cannot, when the priority has no row yet and two
 * writers would both insert it.
 */
export async function lockSlaPolicies (tx: Executor, workspaceId: string) {
  const key = `case_sla_policies:${workspaceId}`
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`)
}

/**
 * Every row of the workspace, deleted ones included, locked until the
 * transaction ends. The unique key on (workspace, priority) covers deleted
 * rows too, so a priority set again revives its old row instead of adding one.
 */
export async function lockAllSlaRows (
  tx: Executor,
  workspaceId: string
): Promise<CaseSlaPolicyRow[]> {
  return tx
    .select()
    .from(caseSlaPolicies)
    .where(eq(caseSlaPolicies.workspaceId, workspaceId))
    .for('update')
}

/** When a case opened at `createdAt` is due for its first response and its resolution. */
export function dueTimes (level: ServiceLevel, createdAt: Date) {
  return {
    firstResponseDueAt: new Date(createdAt.getTime() + level.firstResponseMinutes * MINUTE),
    resolutionDueAt: new Date(createdAt.getTime() + level.resolutionMinutes * MINUTE)
  }
}

function policyOf (priority: CasePriority, row: CaseSlaPolicyRow | undefined): CaseSlaPolicy {
  if (row === undefined) return { priority, ...DEFAULT_SERVICE_LEVELS[priority], isDefault: true }
  return {
    priority,
    firstResponseMinutes: row.firstResponseMinutes,
    resolutionMinutes: row.resolutionMinutes,
    isDefault: false
  }
}
