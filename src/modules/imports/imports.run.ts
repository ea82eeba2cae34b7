import { access } from 'node:fs/promises'
import { UnrecoverableError } from 'bullmq'
import type { ClientBase } from 'pg'
import { DEFAULT_JOB_OPTIONS } from '../../jobs/queues.js'
import type { JobContext } from '../../jobs/registry.js'
import { ShutdownError } from '../../jobs/shutdown.js'
import { mergeStagedRows, StagedRows } from '../../lib/records/record-bulk-writer.js'
import { requestWorkspaceRescore } from '../lead-scoring/lead-scoring.enqueue.js'
import { getWorkspace } from '../workspaces/workspaces.queries.js'
import { csvRecordText } from './imports.csv.js'
import { ImportFileInvalidError } from './imports.errors.js'
import { removeImportFile } from './imports.files.js'
import { IMPORT_OBJECT } from './imports.objects.js'
import { type Prepared, RowPreparer } from './imports.prepare.js'
import { claimImport, finishImport, type ImportRow } from './imports.queries.js'
import { csvRecords, ndjsonLines } from './imports.rows.js'
import type { ImportFormat, ImportMode, ImportObjectName } from './imports.schemas.js'

/**
 * The worker side of an import. The file is read as a stream and cut into
 * batches of IMPORT_BATCH_ROWS rows; each batch is one transaction that
 * merges its valid rows (record-bulk-writer), records its failed rows and
 * moves the import's counters and checkpoint: `rowsCommitted`, the rows of
 * the file whose outcome is written, and `bytesCommitted`, the byte offset
 * in the file where the next row starts. A worker that dies mid-file loses
 * only its open transaction; the next attempt opens the file at that
 * offset (a CSV file's header is read from the start first) and numbers
 * the rows on from `rowsCommitted`: no row is written twice or lost, and
 * none is parsed twice. An import checkpointed without an offset (by a
 * worker from before the offsets) reads the file again from the start
 * and passes over its first `rowsCommitted` rows. The next batch is
 * prepared while the database writes the current one.
 *
 * A dry run validates and merges each batch like a real run, inside a
 * savepoint that is rolled back: its counters and failed rows are kept,
 * its records are not. Batches of a dry run do not see each other's rows,
 * so a key repeated in two batches counts as created twice.
 */

const MAX_RAW = 10_000

interface Batch {
  first: number
  last: number
  /** The byte offset in the file just past the batch's last row. */
  end: number
  staged: StagedRows
  /** The text of each row of the batch, by rowNumber - first, for the rows the database refuses. */
  sources: (string | readonly string[])[]
  failures: { rowNumber: number, reason: string, raw: string }[]
}

export interface ImportResult {
  importId: string
  status: string
  rowsRead: number
  rowsCreated: number
  rowsUpdated: number
  rowsSkipped: number
  rowsFailed: number
}

export async function runImport (
  payload: { workspaceId: string, importId: string },
  ctx: JobContext
): Promise<ImportResult | { importId: string, status: 'finished' }> {
  const { deps, log } = ctx
  const db = deps.database.db
  const row = await claimImport(db, payload.workspaceId, payload.importId)
  if (row === undefined) return { importId: payload.importId, status: 'finished' }
  try {
    const last = await importFile(ctx, row)
    const done = await finishImport(db, row.id, { status: 'succeeded' })
    await removeImportFile(deps.config, row.filePath)
    if (row.object === 'leads' && !row.dryRun && last.rowsCreated + last.rowsUpdated > 0) {
      await requestWorkspaceRescore(deps, row.workspaceId)
    }
    log.info({ workspaceId: row.workspaceId, importId: row.id, ...counters(done ?? last) }, 'import finished')
    return { importId: row.id, status: 'succeeded', ...counters(done ?? last) }
  } catch (err) {
    if (err instanceof ShutdownError) throw err
    const isFinal = err instanceof ImportFileInvalidError || ctx.attempt >= DEFAULT_JOB_OPTIONS.attempts
    if (!isFinal) throw err
    const message = err instanceof ImportFileInvalidError
      ? err.message
      : `the import stopped after ${ctx.attempt} attempts`
    await finishImport(db, row.id, { status: 'failed', error: message })
    await removeImportFile(deps.config, row.filePath)
    if (err instanceof ImportFileInvalidError) throw new UnrecoverableError(err.message)
    throw err
  }
}

function counters (row: ImportRow) {
  return {
    rowsRead: row.rowsRead,
    rowsCreated: row.rowsCreated,
    rowsUpdated: row.rowsUpdated,
    rowsSkipped: row.rowsSkipped,
    rowsFailed: row.rowsFailed
  }
}

async function importFile (ctx: JobContext, row: ImportRow): Promise<ImportRow> {
  const { deps, signal } = ctx
  const object = IMPORT_OBJECT[row.object as ImportObjectName]
  await access(row.filePath).catch(() => {
    throw new ImportFileInvalidError('the file of this import is no longer there')
  })
  const workspace = await getWorkspace(deps.database.db, row.workspaceId)
  const preparer = new RowPreparer(object, {
    format: row.format as ImportFormat,
    mode: row.mode as ImportMode,
    upsertKey: row.mode === 'upsert' ? row.upsertKey : null,
    mapping: (row.mapping as Record<string, string> | null) ?? null,
    defaults: { ownerId: row.createdBy, currency: workspace?.currency ?? 'USD' }
  })
  let current = row
  let writing: Promise<ImportRow> | undefined
  const resume = resumePoint(row)
  const rows = row.format === 'csv'
    ? csvRows(row.filePath, preparer, resume)
    : ndjsonRows(row.filePath, preparer, resume)
  try {
    for await (const batch of batches(rows, row.rowsCommitted, deps.config.IMPORT_BATCH_ROWS)) {
      if (writing !== undefined) current = await writing
      if (signal.aborted) throw new ShutdownError()
      writing = writeBatch(ctx, current, preparer, batch)
      // Awaited on the next turn; until then a rejection must not count as unhandled.
      writing.catch(() => {})
    }
  } catch (err) {
    // The batch before an unreadable part of the file commits before the import fails.
    await writing?.catch(() => {})
    throw err
  }
  if (writing !== undefined) current = await writing
  return current
}

type Row = { rowNumber: number, end: number, prepared: Prepared, source: string | readonly string[] }

/** Where a stalled import reads on: after `rows` rows, at the byte offset `at`; undefined reads from the start. */
type ResumePoint = { rows: number, at: number } | undefined

function resumePoint (row: ImportRow): ResumePoint {
  if (row.rowsCommitted === 0 || row.bytesCommitted === null) return undefined
  // Written by a worker that moved the rows but not the offset: stale.
  if (row.bytesCommittedAtRow !== row.rowsCommitted) return undefined
  return { rows: row.rowsCommitted, at: row.bytesCommitted }
}

async function * csvRows (path: string, preparer: RowPreparer, resume: ResumePoint): AsyncGenerator<Row> {
  let width = -1
  let rowNumber = resume?.rows ?? 0
  for await (const { cells, end, undecodable } of csvRecords(path, resume?.at)) {
    if (width < 0) {
      preparer.header(cells)
      width = cells.length
      continue
    }
    rowNumber++
    yield { rowNumber, end, prepared: preparer.csv(cells, rowNumber, width, undecodable), source: cells }
  }
  if (width < 0) throw new ImportFileInvalidError('the file is empty: a CSV file starts with its header')
}

async function * ndjsonRows (path: string, preparer: RowPreparer, resume: ResumePoint): AsyncGenerator<Row> {
  let rowNumber = resume?.rows ?? 0
  for await (const lines of ndjsonLines(path, resume?.at)) {
    for (const line of lines) {
      rowNumber++
      const { end } = line
      if (line.text === undefined) {
        yield { rowNumber, end, prepared: { reason: line.error }, source: line.raw }
      } else {
        yield { rowNumber, end, prepared: preparer.ndjson(line.text, rowNumber), source: line.text }
      }
    }
  }
}

/**
 * The rows after the checkpoint, `size` at a time (rows a read from the
 * start gives again are passed over). A file that turns out
 * unreadable part-way (a broken quote) still gives the rows before the
 * break as a last batch, then the error.
 */
async function * batches (rows: AsyncGenerator<Row>, skip: number, size: number): AsyncGenerator<Batch> {
  let batch: Batch | undefined
  try {
    for await (const row of rows) {
      if (row.rowNumber <= skip) continue
      batch ??= {
        first: row.rowNumber,
        last: row.rowNumber,
        end: row.end,
        staged: new StagedRows(),
        sources: [],
        failures: []
      }
      batch.last = row.rowNumber
      batch.end = row.end
      batch.sources.push(row.source)
      if ('reason' in row.prepared) {
        batch.failures.push({ rowNumber: row.rowNumber, reason: row.prepared.reason, raw: rawText(row.source) })
      } else {
        batch.staged.add(row.prepared)
      }
      if (batch.last - batch.first + 1 >= size) {
        yield batch
        batch = undefined
      }
    }
  } catch (err) {
    if (batch !== undefined && err instanceof ImportFileInvalidError) yield batch
    throw err
  }
  if (batch !== undefined) yield batch
}

function rawText (source: string | readonly string[]): string {
  const text = (typeof source === 'string' ? source : csvRecordText(source)).replaceAll('\u0000', '\uFFFD')
  return text.length > MAX_RAW ? `${text.slice(0, MAX_RAW)}…` : text
}

class ConcurrentImportError extends Error {
  constructor () {
    super('another attempt of this import moved its checkpoint; this one stops')
  }
}

/** One batch, one transaction: rows, failures, counters and checkpoint (rows and offset) commit together. */
async function writeBatch (
  ctx: JobContext,
  current: ImportRow,
  preparer: RowPreparer,
  batch: Batch
): Promise<ImportRow> {
  const client = await ctx.deps.database.pool.connect()
  let isBroken = false
  let next: ImportRow
  try {
    await client.query('begin')
    await lockCheckpoint(client, current.id, batch.first - 1)
    if (current.mode === 'upsert') {
      // Two imports upserting into one collection would both miss a key the
      // other is adding; leads and accounts have no unique index to stop it.
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `import:${current.workspaceId}:${current.object}`
      ])
    }
    if (current.dryRun) await client.query('savepoint dry_run')
    const outcome = await mergeStagedRows(client, preparer.spec(current.workspaceId, new Date()), batch.staged)
    if (current.dryRun) await client.query('rollback to savepoint dry_run')
    const failures = [
      ...batch.failures,
      ...outcome.failures.map((f) => ({
        ...f,
        raw: rawText(batch.sources[f.rowNumber - batch.first] ?? '')
      }))
    ]
    if (failures.length > 0) {
      await client.query(
        'insert into import_errors (import_id, row_number, reason, raw) ' +
        'select $1, * from unnest($2::int[], $3::text[], $4::text[])',
        [current.id, failures.map((f) => f.rowNumber), failures.map((f) => f.reason), failures.map((f) => f.raw)]
      )
    }
    const updated = await client.query(
      'update imports set rows_read = $2, rows_committed = $2, bytes_committed = $7, bytes_committed_at_row = $2, ' +
      'rows_created = rows_created + $3, rows_updated = rows_updated + $4, rows_skipped = rows_skipped + $5, ' +
      'rows_failed = rows_failed + $6, updated_at = now() where id = $1 returning *',
      [current.id, batch.last, outcome.created, outcome.updated, outcome.skipped, failures.length, batch.end]
    )
    await client.query('commit')
    next = fromSql(updated.rows[0] as Record<string, unknown>, current)
  } catch (err) {
    await client.query('rollback').catch(() => { isBroken = true })
    throw err
  } finally {
    client.release(isBroken)
  }
  await ctx.progress(counters(next)).catch((err: unknown) => {
    ctx.log.warn({ err, importId: current.id }, 'import progress not recorded')
  })
  return next
}

/** Locks the import for this batch; refuses when another attempt has moved the checkpoint. */
async function lockCheckpoint (client: ClientBase, importId: string, expected: number) {
  const { rows } = await client.query<{ rows_committed: number, status: string }>(
    'select rows_committed, status from imports where id = $1 for update',
    [importId]
  )
  const found = rows[0]
  if (found === undefined || found.status !== 'running' || found.rows_committed !== expected) {
    throw new ConcurrentImportError()
  }
}

/** The counters of a raw `imports` row over the drizzle row they update. */
function fromSql (raw: Record<string, unknown>, current: ImportRow): ImportRow {
  return {
    ...current,
    rowsRead: raw.rows_read as number,
    rowsCommitted: raw.rows_committed as number,
    bytesCommitted: raw.bytes_committed as number | null,
    bytesCommittedAtRow: raw.bytes_committed_at_row as number | null,
    rowsCreated: raw.rows_created as number,
    rowsUpdated: raw.rows_updated as number,
    rowsSkipped: raw.rows_skipped as number,
    rowsFailed: raw.rows_failed as number
  }
}
