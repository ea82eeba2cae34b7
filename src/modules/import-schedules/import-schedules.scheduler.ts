import type { AppDeps } from '../../deps.js'
import { getImportSchedule, listActiveImportSchedules } from './import-schedules.queries.js'

/**
 * Each active schedule is a BullMQ job scheduler on the imports queue, with
 * a deterministic id, producing `import-schedule.run` jobs on its cron in
 * its time zone. PostgreSQL holds the schedules; Redis only follows it:
 * every change is applied after its commit (from the row as it is then,
 * so the later of two racing writes wins), and a maintenance job makes
 * Redis match the table, for a crash between commit and apply, or a
 * flushed Redis.
 */
export const SCHEDULER_PREFIX = 'import-schedule:'
export const RUN_JOB_NAME = 'import-schedule.run'

export const schedulerIdOf = (scheduleId: string) => `${SCHEDULER_PREFIX}${scheduleId}`

export type SyncResult = 'upserted' | 'removed'

/** Upserts the scheduler of a live active schedule, removes it otherwise. */
export async function syncScheduler (deps: AppDeps, workspaceId: string, scheduleId: string): Promise<SyncResult> {
  const row = await getImportSchedule(deps.database.db, workspaceId, scheduleId)
  const queue = deps.queues.get('imports')
  if (row === undefined || !row.isActive) {
    await queue.removeJobScheduler(schedulerIdOf(scheduleId))
    return 'removed'
  }
  await queue.upsertJobScheduler(
    schedulerIdOf(row.id),
    { pattern: row.cron, tz: row.timezone },
    { name: RUN_JOB_NAME, data: { workspaceId: row.workspaceId, scheduleId: row.id } }
  )
  return 'upserted'
}

export interface ReconcileResult {
  active: number
  upserted: number
  removed: number
}

const PAGE = 500
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Makes the imports queue's schedulers match the table: a scheduler for
 * every active live schedule, with its cron and time zone, and none other
 * under the `import-schedule:` prefix. Each fix re-reads its row first, so
 * a write that committed while this ran is not undone.
 */
export async function reconcileSchedulers (deps: AppDeps): Promise<ReconcileResult> {
  const queue = deps.queues.get('imports')
  const existing = new Map(
    (await queue.getJobSchedulers(0, -1))
      .filter((s) => s.key.startsWith(SCHEDULER_PREFIX))
      .map((s) => [s.key, s])
  )
  const result: ReconcileResult = { active: 0, upserted: 0, removed: 0 }
  let afterId: string | undefined
  for (;;) {
    const page = await listActiveImportSchedules(deps.database.db, afterId, PAGE)
    for (const row of page) {
      result.active++
      const current = existing.get(schedulerIdOf(row.id))
      existing.delete(schedulerIdOf(row.id))
      const data = current?.template?.data as { workspaceId?: unknown, scheduleId?: unknown } | undefined
      const isCurrent = current !== undefined && current.pattern === row.cron && current.tz === row.timezone &&
        current.name === RUN_JOB_NAME && data?.workspaceId === row.workspaceId && data?.scheduleId === row.id
      if (isCurrent) continue
      if ((await syncScheduler(deps, row.workspaceId, row.id)) === 'upserted') result.upserted++
    }
    if (page.length < PAGE) break
    afterId = page[page.length - 1]?.id
  }
  for (const [key, scheduler] of existing) {
    const scheduleId = key.slice(SCHEDULER_PREFIX.length)
    const workspaceId = (scheduler.template?.data as { workspaceId?: unknown } | undefined)?.workspaceId
    const outcome = typeof workspaceId === 'string' && UUID.test(workspaceId) && UUID.test(scheduleId)
      ? await syncScheduler(deps, workspaceId, scheduleId)
      : await queue.removeJobScheduler(key).then(() => 'removed' as const)
    if (outcome === 'removed') result.removed++
    else result.upserted++
  }
  return result
}
