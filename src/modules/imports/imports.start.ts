import type { AppDeps } from '../../deps.js'
import type { JobRow } from '../jobs/jobs.outbox.js'
import type { imports } from './imports.table.js'

export type ImportRow = typeof imports.$inferSelect

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
 */
// TODO(#4): placeholder contract; the imports module implements it.
export async function startImport (
  _deps: AppDeps,
  _input: StartImport
): Promise<{ import: ImportRow, job: JobRow | null, duplicate: boolean }> {
  throw new Error('not implemented')
}
