import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { UnrecoverableError } from 'bullmq'
import type { AppDeps } from '../../deps.js'
import { type JobContext } from '../../jobs/registry.js'
import { ShutdownError } from '../../jobs/shutdown.js'
import { downloadToFile } from '../../lib/net/https-download.js'
import { DownloadError } from '../../lib/net/net.errors.js'
import { startImport, type StartImport } from '../imports/imports.start.js'
import { isRecordedJobId } from '../jobs/jobs.status.js'
import {
  copyToStore,
  FolderFileError,
  importFileStoreOf,
  importFolderOf,
  listMatchingFiles,
  MAX_FILES_PER_RUN,
  type StoredFile
} from './import-schedules.folder.js'
import type { RunPayload } from './import-schedules.payload.js'
import { getImportSchedule, markImportScheduleRun } from './import-schedules.queries.js'
import type { ImportScheduleRow } from './import-schedules.resource.js'
import { syncScheduler } from './import-schedules.scheduler.js'

export interface RunImport {
  importId: string
  jobId: string | null
  fileName: string | null
  checksum: string
  size: number
  /** This schedule had already imported the same bytes: the earlier import is named. */
  duplicate: boolean
}

/** What a run did: the job's result. */
export interface RunOutcome {
  scheduleId: string
  status: 'done' | 'skipped'
  /** Why a run was skipped. */
  reason: string | null
  source: 'folder' | 'url' | null
  filesMatched: number
  importsStarted: number
  duplicatesSkipped: number
  imports: RunImport[]
  /** Files that were not imported, and why. */
  errors: { fileName: string | null, message: string }[]
}

/**
 * One run of a schedule: every new file of its source becomes an import
 * (startImport, with the schedule's settings and id), a file this schedule
 * already imported comes back as a duplicate and its copy is dropped.
 *
 * A run the scheduler produced for a schedule that is now deleted or
 * inactive does nothing and removes the stale scheduler; a run a user asked
 * for (POST .../run, recorded in `jobs`) also runs an inactive schedule.
 * Folder files are handled one by one, and a refused file is listed in
 * `errors` without stopping the others. A URL that cannot be fetched fails
 * the job: for good when retrying cannot help (a refused address, a 404, a
 * file over the limit), with retries otherwise.
 */
export async function runImportSchedule (payload: RunPayload, ctx: JobContext): Promise<RunOutcome> {
  const { deps } = ctx
  const outcome = emptyOutcome(payload.scheduleId)
  const row = await getImportSchedule(deps.database.db, payload.workspaceId, payload.scheduleId)
  const isScheduled = !isRecordedJobId(ctx.jobId)
  if (row === undefined || (isScheduled && !row.isActive)) {
    // Re-read, not just removed: the schedule may have come back meanwhile.
    if (isScheduled) await syncScheduler(deps, payload.workspaceId, payload.scheduleId)
    const reason = row === undefined ? 'the schedule was deleted' : 'the schedule is inactive'
    return { ...outcome, status: 'skipped', reason }
  }
  await markImportScheduleRun(deps.database.db, row.workspaceId, row.id)
  const requestedBy = payload.requestedBy ?? null
  outcome.source = row.sourceType === 'url' ? 'url' : 'folder'
  if (row.sourceType === 'url') {
    const file = await fetchUrlSource(deps, row, ctx.signal)
    outcome.filesMatched = 1
    record(outcome, await handOver(deps, row, file, requestedBy))
  } else {
    await runFolderSource(deps, row, requestedBy, outcome, ctx)
  }
  ctx.log.info({
    workspaceId: row.workspaceId,
    importScheduleId: row.id,
    importsStarted: outcome.importsStarted,
    duplicatesSkipped: outcome.duplicatesSkipped,
    errors: outcome.errors.length
  }, 'import schedule ran')
  return outcome
}

function emptyOutcome (scheduleId: string): RunOutcome {
  return {
    scheduleId,
    status: 'done',
    reason: null,
    source: null,
    filesMatched: 0,
    importsStarted: 0,
    duplicatesSkipped: 0,
    imports: [],
    errors: []
  }
}

function record (outcome: RunOutcome, started: RunImport) {
  outcome.imports.push(started)
  if (started.duplicate) outcome.duplicatesSkipped++
  else outcome.importsStarted++
}

// TODO(#4): every run copies and hashes every matching file, imported before
// or not; a memo of (name, size, mtime) → checksum would let runs skip the
// files they have seen. Until then, remove imported files from the folder.
async function runFolderSource (
  deps: AppDeps,
  row: ImportScheduleRow,
  requestedBy: string | null,
  outcome: RunOutcome,
  ctx: JobContext
): Promise<void> {
  const folder = importFolderOf(deps.config, row.workspaceId)
  const names = await listMatchingFiles(folder, row.sourcePattern as string)
  if (names === undefined) {
    outcome.errors.push({ fileName: null, message: 'the workspace has no import folder yet' })
    return
  }
  outcome.filesMatched = names.length
  if (names.length > MAX_FILES_PER_RUN) {
    const rest = names.length - MAX_FILES_PER_RUN
    outcome.errors.push({ fileName: null, message: `${rest} more matching files wait for a later run` })
  }
  const store = importFileStoreOf(deps.config)
  for (const name of names.slice(0, MAX_FILES_PER_RUN)) {
    if (ctx.signal.aborted) throw new ShutdownError()
    let file: StoredFile
    try {
      file = await copyToStore(folder, name, store, deps.config.IMPORT_MAX_BYTES)
    } catch (err) {
      if (!(err instanceof FolderFileError)) throw err
      outcome.errors.push({ fileName: name, message: `the file ${err.message}` })
      continue
    }
    record(outcome, await handOver(deps, row, file, requestedBy))
    await ctx.progress({
      filesMatched: outcome.filesMatched,
      importsStarted: outcome.importsStarted,
      duplicatesSkipped: outcome.duplicatesSkipped,
      errors: outcome.errors.length
    })
  }
}

/**
 * Downloads the URL into the file store. Throws ShutdownError when the
 * worker closes, UnrecoverableError when retrying cannot help.
 */
async function fetchUrlSource (deps: AppDeps, row: ImportScheduleRow, signal: AbortSignal): Promise<StoredFile> {
  const store = importFileStoreOf(deps.config)
  await mkdir(store, { recursive: true })
  const filePath = path.join(store, `${randomUUID()}.upload`)
  const caFile = deps.config.IMPORT_URL_CA_FILE
  try {
    const downloaded = await downloadToFile(row.sourceUrl as string, filePath, {
      maxBytes: deps.config.IMPORT_MAX_BYTES,
      allowPrivate: deps.config.IMPORT_ALLOW_PRIVATE_URLS,
      signal,
      ca: caFile === undefined ? undefined : await readFile(caFile, 'utf8')
    })
    const { size, checksum } = downloaded
    return { fileName: downloaded.fileName ?? 'download', filePath, size, checksum }
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err
    if (err.reason === 'aborted') throw new ShutdownError()
    throw err.isPermanent ? new UnrecoverableError(err.message) : err
  }
}

/**
 * Starts the import of a stored file. startImport writes in one
 * transaction and never fails after its commit (its dispatch is retried by
 * the outbox relay), so a throw means nothing refers to the copy and it is
 * removed; so is the copy of a duplicate, whose earlier import has its own.
 */
async function handOver (
  deps: AppDeps,
  row: ImportScheduleRow,
  file: StoredFile,
  requestedBy: string | null
): Promise<RunImport> {
  const input: StartImport = {
    workspaceId: row.workspaceId,
    createdBy: requestedBy,
    object: row.object as StartImport['object'],
    format: row.format as StartImport['format'],
    mode: row.mode as StartImport['mode'],
    upsertKey: row.upsertKey,
    mapping: row.mapping as Record<string, string> | null,
    dryRun: false,
    fileName: file.fileName,
    filePath: file.filePath,
    fileSize: file.size,
    checksum: file.checksum,
    scheduleId: row.id
  }
  let started: Awaited<ReturnType<typeof startImport>>
  try {
    started = await startImport(deps, input)
  } catch (err) {
    await rm(file.filePath, { force: true })
    throw err
  }
  if (started.duplicate) await rm(file.filePath, { force: true })
  return {
    importId: started.import.id,
    jobId: started.job?.id ?? null,
    fileName: file.fileName,
    checksum: file.checksum,
    size: file.size,
    duplicate: started.duplicate
  }
}
