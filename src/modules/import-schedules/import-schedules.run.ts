import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { UnrecoverableError } from 'bullmq'
import type { AppDeps } from '../../deps.js'
import type { JobContext } from '../../jobs/registry.js'
import { ShutdownError } from '../../jobs/shutdown.js'
import { downloadToFile } from '../../lib/net/https-download.js'
import { DownloadError } from '../../lib/net/net.errors.js'
import { startImport, type StartImport } from '../imports/imports.start.js'
import {
  copyToStore,
  FolderFileError,
  fileIdentity,
  importFileStoreOf,
  importFolderOf,
  listMatchingFiles,
  MAX_FILES_PER_RUN,
  type StoredFile
} from './import-schedules.folder.js'
import type { RunPayload } from './import-schedules.payload.js'
import { markRunFailed, markRunStarted, markRunSucceeded } from './import-schedules.last-run.js'
import { isUnchanged, loadMemo, rememberFile } from './import-schedules.memo.js'
import { getImportSchedule } from './import-schedules.queries.js'
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
  /** False for a folder file the memo vouched for: a duplicate counted without reading it. */
  read: boolean
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
  /** Of duplicatesSkipped, the folder files not read: unchanged since this schedule read them. */
  unchangedSkipped: number
  imports: RunImport[]
  /** Files that were not imported, and why. */
  errors: { fileName: string | null, message: string }[]
}

/**
 * One run of a schedule, recorded in `jobs` (by POST .../run, or by the
 * job of its scheduler: see import-schedules.enqueue.ts): every new file
 * of its source becomes an import (startImport, with the schedule's
 * settings and id), a file this schedule already imported comes back as a
 * duplicate and its copy is dropped. The schedule's `lastRun*` columns
 * follow the run from its start to its outcome.
 *
 * A run the cron started for a schedule that has become inactive since
 * does nothing (a run someone asked for also runs an inactive schedule).
 * Folder files are handled one by one, and a refused file is listed in
 * `errors` without stopping the others. A URL that cannot be fetched fails
 * the job: for good when retrying cannot help (a refused address, a 404, a
 * file over the limit), with retries otherwise.
 */
export async function runImportSchedule (payload: RunPayload, ctx: JobContext): Promise<RunOutcome> {
  const { deps } = ctx
  const outcome = emptyOutcome(payload.scheduleId)
  const row = await getImportSchedule(deps.database.db, payload.workspaceId, payload.scheduleId)
  const trigger = payload.trigger ?? 'request'
  if (row === undefined || (trigger === 'schedule' && !row.isActive)) {
    if (trigger === 'schedule') await syncScheduler(deps, payload.workspaceId, payload.scheduleId)
    const reason = row === undefined ? 'the schedule was deleted' : 'the schedule is inactive'
    return { ...outcome, status: 'skipped', reason }
  }
  const run = { workspaceId: row.workspaceId, scheduleId: row.id, jobId: ctx.jobId }
  await markRunStarted(ctx, { ...run, trigger })
  try {
    await runSource(deps, row, payload.requestedBy ?? null, outcome, ctx)
  } catch (err) {
    await markRunFailed(ctx, run, err)
    throw err
  }
  await markRunSucceeded(ctx, run, {
    filesMatched: outcome.filesMatched,
    importsStarted: outcome.importsStarted,
    duplicatesSkipped: outcome.duplicatesSkipped,
    unchangedSkipped: outcome.unchangedSkipped,
    filesRefused: outcome.errors.filter((e) => e.fileName !== null).length
  })
  ctx.log.info({
    workspaceId: row.workspaceId,
    importScheduleId: row.id,
    importsStarted: outcome.importsStarted,
    duplicatesSkipped: outcome.duplicatesSkipped,
    unchangedSkipped: outcome.unchangedSkipped,
    errors: outcome.errors.length
  }, 'import schedule ran')
  return outcome
}

async function runSource (
  deps: AppDeps,
  row: ImportScheduleRow,
  requestedBy: string | null,
  outcome: RunOutcome,
  ctx: JobContext
): Promise<void> {
  outcome.source = row.sourceType === 'url' ? 'url' : 'folder'
  if (row.sourceType === 'url') {
    const file = await fetchUrlSource(deps, row, ctx.signal)
    outcome.filesMatched = 1
    record(outcome, await handOver(deps, row, file, requestedBy))
  } else {
    await runFolderSource(deps, row, requestedBy, outcome, ctx)
  }
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
    unchangedSkipped: 0,
    imports: [],
    errors: []
  }
}

function record (outcome: RunOutcome, started: RunImport) {
  outcome.imports.push(started)
  if (started.duplicate) outcome.duplicatesSkipped++
  if (!started.read) outcome.unchangedSkipped++
  if (!started.duplicate) outcome.importsStarted++
}

/**
 * The folder's matching files, oldest first. A file the schedule's memo
 * vouches for (same name, size, mtime and inode as when a run read it) is
 * counted as the duplicate it was, without being opened; every other file
 * is copied and hashed, handed over, and remembered.
 */
async function runFolderSource (
  deps: AppDeps,
  row: ImportScheduleRow,
  requestedBy: string | null,
  outcome: RunOutcome,
  ctx: JobContext
): Promise<void> {
  const db = deps.database.db
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
  const memo = await loadMemo(db, row, names)
  const store = importFileStoreOf(deps.config)
  for (const name of names.slice(0, MAX_FILES_PER_RUN)) {
    if (ctx.signal.aborted) throw new ShutdownError()
    const known = memo.get(name)
    if (known !== undefined && isUnchanged(known, await fileIdentity(folder, name))) {
      record(outcome, {
        importId: known.importId,
        jobId: null,
        fileName: name,
        checksum: known.checksum,
        size: known.size,
        duplicate: true,
        read: false
      })
      continue
    }
    let file: StoredFile
    try {
      file = await copyToStore(folder, name, store, deps.config.IMPORT_MAX_BYTES)
    } catch (err) {
      if (!(err instanceof FolderFileError)) throw err
      outcome.errors.push({ fileName: name, message: `the file ${err.message}` })
      continue
    }
    const started = await handOver(deps, row, file, requestedBy)
    record(outcome, started)
    if (file.identity !== undefined) await rememberFile(db, row, name, file.identity, started)
    await ctx.progress({
      filesMatched: outcome.filesMatched,
      importsStarted: outcome.importsStarted,
      duplicatesSkipped: outcome.duplicatesSkipped,
      unchangedSkipped: outcome.unchangedSkipped,
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
    duplicate: started.duplicate,
    read: true
  }
}
