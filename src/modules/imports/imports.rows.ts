import { createReadStream } from 'node:fs'
import { CsvError, parse } from 'csv-parse'
import { ImportFileInvalidError } from './imports.errors.js'

/**
 * Reading import files as streams of records, in constant memory: a CSV
 * file record by record (csv-parse), an NDJSON file line by line. Neither
 * decides what a row means; a reader only reports what it could not read.
 */

/** Longest CSV record or NDJSON line, bytes: past it a CSV file fails, an NDJSON line is a row error. */
export const MAX_RECORD_BYTES = 1_048_576

const READ_CHUNK = 256 * 1024

/**
 * The records of a CSV file (comma-separated, double quotes, CRLF or LF,
 * an optional BOM that also selects UTF-16), the header first. Records of
 * the wrong length come through as they are: csv-parse's
 * relax_column_count is on only so that the caller can refuse such a row
 * by its number and go on, rather than csv-parse ending the file. A broken
 * quoted field leaves the parser unable to tell where records start, so it ends
 * the import (ImportFileInvalidError), as does an over-long record.
 */
export async function * csvRecords (path: string): AsyncGenerator<string[]> {
  const parser = parse({
    bom: true,
    // A quote inside an unquoted field (5" disk) is kept as text, as spreadsheets write it.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES
  })
  const source = createReadStream(path, { highWaterMark: READ_CHUNK })
  source.on('error', (err) => parser.destroy(err))
  source.pipe(parser)
  try {
    for await (const record of parser) yield record as string[]
  } catch (err) {
    if (err instanceof CsvError) {
      throw new ImportFileInvalidError(`the file is not valid CSV: ${err.message}`)
    }
    throw err
  } finally {
    source.destroy()
  }
}

/** One line of an NDJSON file: its text, or why it cannot be read (with what could be). */
export type NdjsonLine = { text: string, error?: undefined } | { text?: undefined, error: string, raw: string }

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The non-blank lines of an NDJSON file, in order, a chunk of the file at
 * a time. Each line is decoded as strict UTF-8 (invalid bytes make that
 * line an error, not the file); a line longer than MAX_RECORD_BYTES is an
 * error and its bytes are dropped as they come.
 */
export async function * ndjsonLines (path: string): AsyncGenerator<NdjsonLine[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let carry: Buffer[] = []
  let carried = 0
  let isTooLong = false
  let isFirst = true
  const finish = (piece: Buffer, out: NdjsonLine[]) => {
    const wasTooLong = isTooLong || carried + piece.length > MAX_RECORD_BYTES
    const line = wasTooLong ? undefined : carried === 0 ? piece : Buffer.concat([...carry, piece])
    carry = []
    carried = 0
    isTooLong = false
    if (wasTooLong || line === undefined) {
      out.push({ error: `the line is longer than ${MAX_RECORD_BYTES} bytes`, raw: '' })
      return
    }
    const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length
    const bytes = line.subarray(0, end)
    if (isBlank(bytes)) return
    try {
      out.push({ text: decoder.decode(bytes) })
    } catch {
      out.push({ error: 'the line is not valid UTF-8', raw: bytes.toString('utf8') })
    }
  }
  for await (const read of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    let chunk = read as Buffer
    if (isFirst) {
      isFirst = false
      if (chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3)
    }
    const out: NdjsonLine[] = []
    let start = 0
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      finish(chunk.subarray(start, nl), out)
      start = nl + 1
    }
    const rest = chunk.subarray(start)
    if (!isTooLong && rest.length > 0) {
      if (carried + rest.length > MAX_RECORD_BYTES) {
        isTooLong = true
        carry = []
        carried = 0
      } else {
        carry.push(rest)
        carried += rest.length
      }
    }
    if (out.length > 0) yield out
  }
  if (carried > 0 || isTooLong) {
    const out: NdjsonLine[] = []
    finish(Buffer.alloc(0), out)
    if (out.length > 0) yield out
  }
}

function isBlank (bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false
  return true
}
