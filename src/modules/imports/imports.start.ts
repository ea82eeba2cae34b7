import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import type { AppDeps } from '../../deps.js'
import { dispatchJobs, type JobRow, recordJob } from '../jobs/jobs.outbox.js'
import { IMPORT_OBJECT } from './imports.objects.js'
import { imports } from './imports.table.js'

export { storeImportFile } from './imports.files.js'

export type ImportRow = typeof imports.$inferSelect

export const IMPORT_JOB = 'import.run'

export interface StartImport {
  workspaceId: string
  createdBy: string | null
  object: 'accounts' | 'contacts' | 'leads' | 'products'
  format: 'csv' | 'ndjson'
  mode: 'create' | 'upsert'
  upsertKey?: string | null
  mapping?: Record<string, string> | null
  dryRun: boolean
  fileName: string | null
  /** A file already stored where every worker can read it (see storeImportFile). */
  filePath: string
  fileSize: number
  /** sha256, hex, of the file's bytes. */
  checksum: string
  scheduleId?: string | null
}

/**
 * Records an import and its job in one transaction and dispatches the job
 * after the commit. For a schedule, a file with a checksum that schedule
 * already imported is not imported again: the earlier import is answered.
 * The input is trusted: the route (or the schedule) has checked the
 * object, mode, key and mapping, and the caller's right to write. An
 * upsert without a key matches on the collection's first (email, sku,
 * domain).
 */
export async function startImport (
  deps: AppDeps,
  input: StartImport
): Promise<{ import: ImportRow, job: JobRow | null, duplicate: boolean }> {
  const scheduleId = input.scheduleId ?? null
  const upsertKey = input.mode === 'upsert'
    ? (input.upsertKey ?? Object.keys(IMPORT_OBJECT[input.object].keys)[0] ?? null)
    : null
  const started = await deps.database.db.transaction(async (tx) => {
    const id = randomUUID()
    const [row] = await tx
      .insert(imports)
      .values({
        id,
        workspaceId: input.workspaceId,
        object: input.object,
        format: input.format,
        mode: input.mode,
        upsertKey,
        mapping: input.mapping ?? null,
        dryRun: input.dryRun,
        fileName: input.fileName,
        filePath: input.filePath,
        fileSize: input.fileSize,
        checksum: input.checksum,
        scheduleId,
        createdBy: input.createdBy
      })
      // Only a schedule's imports are unique by checksum (a partial index).
      .onConflictDoNothing()
      .returning()
    if (row === undefined) return undefined
    const job = await recordJob(tx, {
      workspaceId: input.workspaceId,
      queue: 'imports',
      name: IMPORT_JOB,
      payload: { workspaceId: input.workspaceId, importId: id },
      createdBy: input.createdBy
    })
    const [withJob] = await tx.update(imports).set({ jobId: job.id }).where(eq(imports.id, id)).returning()
    return { import: withJob as ImportRow, job }
  })
  if (started === undefined) {
    const [earlier] = await deps.database.db
      .select()
      .from(imports)
      .where(and(
        eq(imports.workspaceId, input.workspaceId),
        eq(imports.scheduleId, scheduleId as string),
        eq(imports.checksum, input.checksum)
      ))
    if (earlier === undefined) throw new Error('an import conflicted with none')
    return { import: earlier, job: null, duplicate: true }
  }
  await dispatchJobs(deps, [started.job])
  return { ...started, duplicate: false }
}
