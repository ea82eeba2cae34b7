import { isUtf8 } from 'node:buffer'
import { createReadStream } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { CsvError, type Info, type Options, parse } from 'csv-parse'
import { parse as parseRecords } from 'csv-parse/sync'
import { ImportFileInvalidError } from './imports.errors.js'

/**
 * Reading import files as streams of records, in constant memory: a CSV
 * file record by record (csv-parse), an NDJSON file line by line. Neither
 * decides what a row means; a reader only reports what it could not read.
 * Each record comes with the byte offset in the file where the next one
 * starts, so that a resumed import can open the file there instead of
 * reading again what it has already imported.
 */

/** Longest CSV record or NDJSON line, bytes: past it a CSV file fails, an NDJSON line is a row error. */
export const MAX_RECORD_BYTES = 1_048_576

const READ_CHUNK = 256 * 1024

/** Bytes read at a time when a CSV record is read again for its raw cells. */
const REREAD_CHUNK = 64 * 1024

const CSV_OPTIONS = {
  // A quote inside an unquoted field (5" disk) is kept as text, as spreadsheets write it.
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  max_record_size: MAX_RECORD_BYTES
} satisfies Options

type CsvEncoding = 'utf8' | 'utf16le'

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** The byte order marks csv-parse knows, and the encoding each selects (UTF-8 without one). */
const CSV_BOMS: readonly [Buffer, CsvEncoding][] = [
  [UTF8_BOM, 'utf8'],
  [Buffer.from([0xff, 0xfe]), 'utf16le']
]

const NONE: readonly number[] = []

/** One CSV record: its cells, where the next record starts, and which cells are no valid text. */
export interface CsvRecord {
  cells: string[]
  /** The byte offset in the file just past this record and its line break. */
  end: number
  /** The indexes of the cells whose bytes are not valid UTF-8 (such bytes read as U+FFFD in `cells`). */
  undecodable: readonly number[]
}

/**
 * The records of a CSV file (comma-separated, double quotes, CRLF or LF,
 * an optional BOM that also selects UTF-16 LE), the header first. Records
 * of the wrong length come through as they are: csv-parse's
 * relax_column_count is on only so that the caller can refuse such a row
 * by its number and go on, rather than csv-parse ending the file. A
 * broken quoted field leaves the parser unable to tell where records
 * start, so it ends the import (ImportFileInvalidError), as does an
 * over-long record.
 *
 * `resumeAt`, the `end` of a record past the header that an earlier read
 * gave: the header is read from the start of the file (the encoding is
 * the BOM's, the line break the header's), then reading goes on from that
 * offset; the bytes in between are not read at all. Offsets count bytes
 * of the file as it is encoded, so they fall on the same record
 * boundaries in UTF-16.
 */
export async function * csvRecords (path: string, resumeAt?: number): AsyncGenerator<CsvRecord> {
  const file = await open(path)
  try {
    const csv = await CsvFile.open(path, file)
    let isHeader = true
    let isResuming = false
    for await (const record of csv.records(csv.start)) {
      yield record
      if (isHeader && resumeAt !== undefined) {
        if (resumeAt < record.end) throw new Error(`the offset ${resumeAt} to resume at is inside the header`)
        isResuming = true
        break
      }
      isHeader = false
    }
    if (isResuming) yield * csv.records(resumeAt as number)
  } finally {
    await file.close()
  }
}

class CsvFile {
  /**
   * The line break of the file: csv-parse takes the first one it meets
   * (the header's) for every record, so a read that starts past the
   * header is told which it was.
   */
  private recordDelimiter: Buffer[] | undefined

  private constructor (
    private readonly path: string,
    /** For reading the file's first bytes, and records again. */
    private readonly file: FileHandle,
    readonly encoding: CsvEncoding,
    /** Where the header starts: past the BOM. */
    readonly start: number
  ) {}

  /** The file's encoding from its BOM, which reading then passes over. */
  static async open (path: string, file: FileHandle): Promise<CsvFile> {
    const head = Buffer.alloc(3)
    const { bytesRead } = await file.read(head, 0, head.length, 0)
    for (const [bom, encoding] of CSV_BOMS) {
      if (bytesRead >= bom.length && head.subarray(0, bom.length).equals(bom)) {
        return new CsvFile(path, file, encoding, bom.length)
      }
    }
    return new CsvFile(path, file, 'utf8', 0)
  }

  private options (): Options {
    return this.recordDelimiter === undefined ? CSV_OPTIONS : { ...CSV_OPTIONS, record_delimiter: this.recordDelimiter }
  }

  /** The records from the byte offset `start` (the start of a record) to the end of the file. */
  async * records (start: number): AsyncGenerator<CsvRecord> {
    const parser = parse({ ...this.options(), encoding: this.encoding, info: true })
    const source = createReadStream(this.path, { start, highWaterMark: READ_CHUNK })
    source.on('error', (err) => parser.destroy(err))
    source.pipe(parser)
    let from = start
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[], info: Info }>) {
        if (this.recordDelimiter === undefined && parser.options.record_delimiter.length > 0) {
          this.recordDelimiter = [...parser.options.record_delimiter]
        }
        // info.bytes: the bytes the parser has taken, up to this record's line break included.
        const end = start + info.bytes
        const undecodable = this.encoding === 'utf8' && record.some((cell) => cell.includes('\uFFFD'))
          ? await this.undecodable(record, from, end)
          : NONE
        yield { cells: record, end, undecodable }
        from = end
      }
    } catch (err) {
      if (err instanceof CsvError) {
        throw new ImportFileInvalidError(`the file is not valid CSV: ${err.message}`)
      }
      throw err
    } finally {
      source.destroy()
    }
  }

  /**
   * Which cells of a record are not valid UTF-8. csv-parse decodes with
   * replacement, so a cell showing U+FFFD holds either that character or
   * bytes that are no text; the record's bytes, read again and parsed
   * into raw cells, tell which. Only records showing U+FFFD are read
   * twice.
   */
  private async undecodable (record: readonly string[], from: number, end: number): Promise<readonly number[]> {
    const bytes = await this.recordBytes(from, end)
    const [raw] = parseRecords(bytes, { ...this.options(), encoding: null }) as unknown as Uint8Array[][]
    if (raw === undefined || raw.length !== record.length) {
      // Not expected (the same bytes, the same parser); a cell showing U+FFFD is then taken for a bad one.
      return record.flatMap((cell, i) => (cell.includes('\uFFFD') ? [i] : []))
    }
    return raw.flatMap((cell, i) => (isUtf8(cell) ? [] : [i]))
  }

  /**
   * The bytes of the record that ends at `end`. The empty lines that may
   * lead from `from` to it are passed over as they are read, so that a
   * long run of them is never held.
   */
  private async recordBytes (from: number, end: number): Promise<Buffer> {
    let at = from
    const chunk = Buffer.allocUnsafe(Math.min(REREAD_CHUNK, end - from))
    while (at < end) {
      const length = await this.readAt(chunk, Math.min(chunk.length, end - at), at)
      if (length === 0) break
      let skipped = 0
      while (skipped < length && (chunk[skipped] === 0x0a || chunk[skipped] === 0x0d)) skipped++
      const isWhole = at + length >= end
      at += skipped
      if (skipped === length) continue
      if (isWhole) return chunk.subarray(skipped, length)
      break
    }
    const bytes = Buffer.allocUnsafe(end - at)
    return bytes.subarray(0, await this.readAt(bytes, bytes.length, at))
  }

  private async readAt (into: Buffer, length: number, position: number): Promise<number> {
    let done = 0
    while (done < length) {
      const { bytesRead } = await this.file.read(into, done, length - done, position + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done
  }
}

/**
 * One line of an NDJSON file: its text, or why it cannot be read (with
 * what could be); `end` is the byte offset in the file just past its LF.
 */
export type NdjsonLine = ({ text: string, error?: undefined } | { text?: undefined, error: string, raw: string }) &
  { end: number }

/**
 * The non-blank lines of an NDJSON file, in order, a chunk of the file at
 * a time. Each line is decoded as strict UTF-8 (invalid bytes make that
 * line an error, not the file); a line longer than MAX_RECORD_BYTES is an
 * error and its bytes are dropped as they come. `start`, the `end` of a
 * line an earlier read gave, reads on from there (a BOM is only looked
 * for at the start of the file).
 */
export async function * ndjsonLines (path: string, start = 0): AsyncGenerator<NdjsonLine[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let carry: Buffer[] = []
  let carried = 0
  let isTooLong = false
  let isFirst = start === 0
  let at = start
  const finish = (piece: Buffer, out: NdjsonLine[], end: number) => {
    const wasTooLong = isTooLong || carried + piece.length > MAX_RECORD_BYTES
    const line = wasTooLong ? undefined : carried === 0 ? piece : Buffer.concat([...carry, piece])
    carry = []
    carried = 0
    isTooLong = false
    if (wasTooLong || line === undefined) {
      out.push({ error: `the line is longer than ${MAX_RECORD_BYTES} bytes`, raw: '', end })
      return
    }
    const length = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length
    const bytes = line.subarray(0, length)
    if (isBlank(bytes)) return
    try {
      out.push({ text: decoder.decode(bytes), end })
    } catch {
      out.push({ error: 'the line is not valid UTF-8', raw: bytes.toString('utf8'), end })
    }
  }
  for await (const read of createReadStream(path, { start, highWaterMark: READ_CHUNK })) {
    let chunk = read as Buffer
    // The file offset of chunk[0].
    let base = at
    at += chunk.length
    if (isFirst) {
      isFirst = false
      if (chunk.subarray(0, 3).equals(UTF8_BOM)) {
        chunk = chunk.subarray(3)
        base += 3
      }
    }
    const out: NdjsonLine[] = []
    let from = 0
    for (let nl = chunk.indexOf(0x0a, from); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
      finish(chunk.subarray(from, nl), out, base + nl + 1)
      from = nl + 1
    }
    const rest = chunk.subarray(from)
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
    finish(Buffer.alloc(0), out, at)
    if (out.length > 0) yield out
  }
}

function isBlank (bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false
  return true
}
