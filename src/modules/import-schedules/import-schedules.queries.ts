import { and, asc, eq, gt, isNull } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import type { ImportScheduleRow } from './import-schedules.resource.js'
import { importSchedules } from './import-schedules.table.js'

/** The live schedule of the workspace, or undefined (absent, deleted, another workspace's). */
export async function getImportSchedule (
  db: Executor,
  workspaceId: string,
  id: string
): Promise<ImportScheduleRow | undefined> {
  const [row] = await db
    .select()
    .from(importSchedules)
    .where(scoped(importSchedules, workspaceId, eq(importSchedules.id, id)))
    .limit(1)
  return row as ImportScheduleRow | undefined
}

export interface ActiveSchedule {
  id: string
  workspaceId: string
  cron: string
  timezone: string
}

/**
 * A page of the active live schedules of every workspace, by id after
 * `afterId`. The one query of this module not scoped to a workspace: the
 * maintenance job that makes Redis match the table works for all of them.
 */
export async function listActiveImportSchedules (
  db: Executor,
  afterId: string | undefined,
  limit: number
): Promise<ActiveSchedule[]> {
  return db
    .select({
      id: importSchedules.id,
      workspaceId: importSchedules.workspaceId,
      cron: importSchedules.cron,
      timezone: importSchedules.timezone
    })
    .from(importSchedules)
    .where(and(
      isNull(importSchedules.deletedAt),
      eq(importSchedules.isActive, true),
      afterId === undefined ? undefined : gt(importSchedules.id, afterId)
    ))
    .orderBy(asc(importSchedules.id))
    .limit(limit)
}
