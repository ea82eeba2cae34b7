import { open } from 'node:fs/promises'
import { asc, eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import type { AppDeps } from '../../../src/deps.js'
import type { JobContext } from '../../../src/jobs/registry.js'
import { ShutdownError } from '../../../src/jobs/shutdown.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { runImport as runImportJob } from '../../../src/modules/imports/imports.run.js'
import { importErrors, imports } from '../../../src/modules/imports/imports.table.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { importApp, upload } from './imports.helpers.js'

/**
 * A stalled import resumes at the byte offset of its checkpoint. The job
 * runs in this process: a first attempt stops after STOP_AFTER batches
 * (its worker shutting down leaves the import as a killed one would: the
 * committed batches, status running), then a second attempt finishes it.
 * The resumed run must leave exactly what one run without a stop leaves:
 * the same records, the same failed rows with the same numbers, reasons
 * and text, the same counters. To show that it did not parse the rows
 * before the offset, those bytes are overwritten with garbage before it
 * runs; the same garbage spoils a run that reads the file from the start,
 * which is what an import checkpointed without an offset still does.
 */

const ROWS = 200
const BATCH = 40
const STOP_AFTER = 2
const REPLACEMENT = '\uFFFD'

interface TestFile {
  name: string
  content: Buffer
  /** ends[n]: the byte offset just past row n (ends[0]: past the header, or where an NDJSON file's rows start). */
  ends: number[]
  /** Bytes as long as `length` that no reader could take for the rows they replace. */
  garbage: (length: number) => Buffer
}

type Piece = string | Buffer

/** A file of `prelude` and one piece per row, each row's end noted. */
function fileOf (
  name: string,
  encode: (text: string) => Buffer,
  prelude: Piece[],
  rows: Piece[][],
  garbage: TestFile['garbage']
): TestFile {
  const toBytes = (pieces: Piece[]) => Buffer.concat(pieces.map((p) => (typeof p === 'string' ? encode(p) : p)))
  const parts = [toBytes(prelude), ...rows.map(toBytes)]
  const ends: number[] = []
  let at = 0
  for (const part of parts) {
    at += part.length
    ends.push(at)
  }
  return { name, content: Buffer.concat(parts), ends, garbage }
}

const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)

/** A contacts CSV with every kind of row a file can hold: bad ones, quoted line breaks, blank lines, U+FFFD. */
function csvFile (encoding: 'utf8' | 'utf8-bom' | 'utf16le'): TestFile {
  const isUtf16 = encoding === 'utf16le'
  const nl = encoding === 'utf8' ? '\n' : '\r\n'
  const encode = (text: string) => Buffer.from(text, isUtf16 ? 'utf16le' : 'utf8')
  const bom = encoding === 'utf8' ? [] : [Buffer.from(isUtf16 ? [0xff, 0xfe] : [0xef, 0xbb, 0xbf])]
  const rows: Piece[][] = []
  for (let i = 1; i <= ROWS; i++) {
    const lastName = i % 11 === 0 ? `Row ${i}${nl}second line, "quoted"` : `Row ${i}`
    const firstName = i % 17 === 0 ? `Genuine ${REPLACEMENT}` : `First ${i}`
    const email = i % 7 === 0 ? 'not-an-email' : `row${i}@example.com`
    const piece: Piece[] = i % 23 === 0 ? [nl] : []
    if (i % 13 === 0 && !isUtf16) {
      // Latin-1 bytes in the first name: not UTF-8.
      piece.push(`${quote(lastName)},`, Buffer.from(`Andr\xe9 ${i}`, 'latin1'), `,${email}${nl}`)
    } else if (i % 19 === 0) {
      piece.push(`${quote(lastName)},${quote(firstName)},${email},extra${nl}`)
    } else {
      piece.push(`${quote(lastName)},${quote(firstName)},${email}${nl}`)
    }
    rows.push(piece)
  }
  // An opening quote that nothing closes: read as CSV it swallows the rows after it.
  const garbage = (length: number) => encode(`"${'x'.repeat(length / (isUtf16 ? 2 : 1) - 1)}`)
  return fileOf(`${encoding}.csv`, encode, [...bom, `lastName,firstName,email${nl}`], rows, garbage)
}

/** A contacts NDJSON file with blank lines, CRLF, a line of invalid UTF-8 and lines that are no JSON object. */
function ndjsonFile (): TestFile {
  const rows: Piece[][] = []
  for (let i = 1; i <= ROWS; i++) {
    const piece: Piece[] = i % 23 === 0 ? ['\n  \n'] : []
    const nl = i % 5 === 0 ? '\r\n' : '\n'
    if (i % 13 === 0) {
      piece.push(Buffer.from(`{"lastName":"Andr\xe9 ${i}"}`, 'latin1'), nl)
    } else if (i % 19 === 0) {
      piece.push(`[${i}]${nl}`)
    } else {
      const email = i % 7 === 0 ? 'not-an-email' : `row${i}@example.com`
      const firstName = i % 17 === 0 ? `Genuine ${REPLACEMENT}` : `First ${i}`
      piece.push(`${JSON.stringify({ lastName: `Row ${i}`, firstName, email })}${nl}`)
    }
    rows.push(piece)
  }
  // One long line that is no JSON: read from the start it would be row 1, and every row after it one off.
  const garbage = (length: number) => Buffer.alloc(length, 'x')
  return fileOf('rows.ndjson', (text) => Buffer.from(text), [], rows, garbage)
}

/** What a job needs; `stopAfter` batches in, the worker "shuts down". */
function jobContext (deps: AppDeps, jobId: string, attempt: number, stopAfter?: number): JobContext {
  const controller = new AbortController()
  let batches = 0
  return {
    deps,
    log: deps.logger,
    attempt,
    jobId,
    signal: controller.signal,
    progress: async () => {
      batches++
      if (batches === stopAfter) controller.abort()
    }
  }
}

/** Everything the import left in the database, without ids. */
async function outcome (deps: AppDeps, ws: TestWorkspace, importId: string) {
  const db = deps.database.db
  const [row] = await db.select().from(imports).where(eq(imports.id, importId))
  const people = await db
    .select({ lastName: contacts.lastName, firstName: contacts.firstName, email: contacts.email })
    .from(contacts)
    .where(eq(contacts.workspaceId, ws.workspaceId))
    .orderBy(asc(contacts.email))
  const errors = await db
    .select({ rowNumber: importErrors.rowNumber, reason: importErrors.reason, raw: importErrors.raw })
    .from(importErrors)
    .where(eq(importErrors.importId, importId))
    .orderBy(asc(importErrors.rowNumber))
  return {
    status: row?.status,
    error: row?.error,
    counters: {
      rowsRead: row?.rowsRead,
      rowsCreated: row?.rowsCreated,
      rowsUpdated: row?.rowsUpdated,
      rowsSkipped: row?.rowsSkipped,
      rowsFailed: row?.rowsFailed,
      rowsCommitted: row?.rowsCommitted
    },
    people,
    errors
  }
}

t.test('resuming an import at the byte offset of its checkpoint', async (t) => {
  const { app, deps } = await importApp(t, { IMPORT_BATCH_ROWS: String(BATCH) }, { worker: false })
  const db = deps.database.db

  const queued = async (ws: TestWorkspace, file: TestFile) => {
    const res = await upload(ws, { object: 'contacts' }, { name: file.name, content: file.content })
    if (res.statusCode !== 202) throw new Error(`upload failed: ${res.statusCode} ${res.body}`)
    const body = res.json() as { id: string, jobId: string }
    return { payload: { workspaceId: ws.workspaceId, importId: body.id }, jobId: body.jobId }
  }
  const checkpoint = async (importId: string) => {
    const [row] = await db.select().from(imports).where(eq(imports.id, importId))
    if (row === undefined) throw new Error('no import')
    return row
  }
  /** Uploads the file and runs its job until the worker stops after STOP_AFTER batches. */
  const stopped = async (t: Test, name: string, file: TestFile) => {
    const ws = await createWorkspace(app, name)
    const job = await queued(ws, file)
    const stop = await runImportJob(job.payload, jobContext(deps, job.jobId, 1, STOP_AFTER))
      .catch((err: unknown) => err)
    t.ok(stop instanceof ShutdownError, 'the first attempt stops between batches')
    return { ws, job, row: await checkpoint(job.payload.importId) }
  }
  /** Overwrites the rows before the checkpoint (the header stays). */
  const spoil = async (path: string, file: TestFile, until: number) => {
    const handle = await open(path, 'r+')
    try {
      const from = file.ends[0] as number
      await handle.write(file.garbage(until - from), 0, until - from, from)
    } finally {
      await handle.close()
    }
  }

  const files = [csvFile('utf8'), csvFile('utf8-bom'), csvFile('utf16le'), ndjsonFile()]
  for (const file of files) {
    t.test(file.name, async (t) => {
      const reference = await createWorkspace(app, `Reference ${file.name}`)
      const whole = await queued(reference, file)
      t.match(await runImportJob(whole.payload, jobContext(deps, whole.jobId, 1)), { status: 'succeeded' })
      const expected = await outcome(deps, reference, whole.payload.importId)
      t.equal(expected.counters.rowsRead, ROWS)
      t.ok(expected.errors.length > 20 && expected.people.length > 100, 'the file has good rows and bad ones')

      t.test('the checkpoint holds the offset where the next row starts', async (t) => {
        const { row } = await stopped(t, `Stopped ${file.name}`, file)
        t.match(row, { status: 'running', rowsCommitted: STOP_AFTER * BATCH })
        t.equal(row.bytesCommitted, file.ends[STOP_AFTER * BATCH])
      })

      t.test('the resumed run starts at the offset and ends as one run does', async (t) => {
        const { ws, job, row } = await stopped(t, `Seek ${file.name}`, file)
        await spoil(row.filePath, file, row.bytesCommitted as number)
        t.match(await runImportJob(job.payload, jobContext(deps, job.jobId, 2)), { status: 'succeeded' })
        t.same(await outcome(deps, ws, job.payload.importId), expected)
      })

      t.test('without an offset the run reads from the start and ends the same', async (t) => {
        const { ws, job } = await stopped(t, `No offset ${file.name}`, file)
        await db.update(imports).set({ bytesCommitted: null }).where(eq(imports.id, job.payload.importId))
        t.match(await runImportJob(job.payload, jobContext(deps, job.jobId, 2)), { status: 'succeeded' })
        t.same(await outcome(deps, ws, job.payload.importId), expected)
      })

      t.test('an offset written for another checkpoint is not used: the run reads from the start', async (t) => {
        // What a worker from before the offsets leaves: it moved the rows, not the offset.
        const { ws, job, row } = await stopped(t, `Stale offset ${file.name}`, file)
        t.equal(row.bytesCommittedAtRow, row.rowsCommitted, 'the offset names the checkpoint it belongs to')
        await db.update(imports)
          .set({ bytesCommitted: file.ends[BATCH] as number, bytesCommittedAtRow: BATCH })
          .where(eq(imports.id, job.payload.importId))
        t.match(await runImportJob(job.payload, jobContext(deps, job.jobId, 2)), { status: 'succeeded' })
        t.same(await outcome(deps, ws, job.payload.importId), expected)
      })

      t.test('the garbage would have spoilt a run that reads the rows before the offset', async (t) => {
        const { ws, job, row } = await stopped(t, `Spoilt ${file.name}`, file)
        await spoil(row.filePath, file, row.bytesCommitted as number)
        await db.update(imports).set({ bytesCommitted: null }).where(eq(imports.id, job.payload.importId))
        await runImportJob(job.payload, jobContext(deps, job.jobId, 2)).catch(() => {})
        t.notSame(await outcome(deps, ws, job.payload.importId), expected)
      })
    })
  }
})
