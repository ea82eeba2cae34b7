import { and, eq, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import type { FileIdentity } from './import-schedules.folder.js'
import { importScheduleFiles } from './import-schedule-files.table.js'

/**
 * The memo of a folder schedule: what each file of its folder was when a
 * run last read it (see import-schedule-files.table.ts). It only saves
 * reads: a file it does not vouch for is read and hashed, and startImport
 * still refuses bytes the schedule imported before.
 */
export type MemoEntry = typeof importScheduleFiles.$inferSelect

export interface ScheduleRef {
  id: string
  workspaceId: string
}

/**
 * The memo of the schedule for the files of the folder now, by name. The
 * entries of names no longer in the folder (or no longer matched) are
 * forgotten first: the memo stays as large as the folder, and a name
 * delivered again later is read.
 */
export async function loadMemo (
  db: Executor,
  schedule: ScheduleRef,
  names: readonly string[]
): Promise<Map<string, MemoEntry>> {
  const ofSchedule = and(
    eq(importScheduleFiles.workspaceId, schedule.workspaceId),
    eq(importScheduleFiles.scheduleId, schedule.id)
  )
  await db
    .delete(importScheduleFiles)
    .where(and(ofSchedule, sql`${importScheduleFiles.fileName} <> all(${sql.param(names)}::text[])`))
  const rows = await db.select().from(importScheduleFiles).where(ofSchedule)
  return new Map(rows.map((r) => [r.fileName, r]))
}

/** Whether the file is, by size, mtime and inode, the one the entry was read from. */
export const isUnchanged = (entry: MemoEntry | undefined, file: FileIdentity | undefined): entry is MemoEntry =>
  entry !== undefined && file !== undefined &&
  entry.size === file.size && entry.mtimeNs === file.mtimeNs && entry.inode === file.inode

/** Remembers a file a run read and handed over (imported, or a duplicate of an earlier import). */
export async function rememberFile (
  db: Executor,
  schedule: ScheduleRef,
  fileName: string,
  file: FileIdentity,
  read: { checksum: string, importId: string }
): Promise<void> {
  const values = { ...file, checksum: read.checksum, importId: read.importId }
  await db
    .insert(importScheduleFiles)
    .values({ workspaceId: schedule.workspaceId, scheduleId: schedule.id, fileName, ...values })
    .onConflictDoUpdate({
      target: [importScheduleFiles.scheduleId, importScheduleFiles.fileName],
      set: { ...values, seenAt: sql`now()` }
    })
}
