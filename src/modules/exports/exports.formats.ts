import { stringify } from 'csv-stringify/sync'
import { cellText, neutralizeCell } from './exports.cells.js'
import type { ExportColumn } from './exports.columns.js'

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormatName = (typeof EXPORT_FORMATS)[number]

/** How one format writes the start of the file and a page of DTOs. */
export interface ExportFormat {
  contentType: string
  extension: string
  head: () => string
  page: (dtos: Record<string, unknown>[]) => string
}

/** A byte order mark, for spreadsheets that guess the encoding without one. */
export const BOM = '\ufeff'

/**
 * RFC 4180: CRLF after every record (the last too), a field quoted when it
 * holds a comma, a quote, CR or LF, a quote inside doubled. With a record
 * delimiter set, csv-stringify quotes a lone CR or LF only when told to
 * (`quote_record_delimiter`), and a reader would split the record there.
 * Every cell is handed over as text, so csv-stringify's own casts (booleans
 * as 1 and empty) never apply; its `escape_formulas` is not used, see
 * exports.cells.ts.
 */
const CSV_OPTIONS = { record_delimiter: 'windows', quote_record_delimiter: true, eof: true } as const

export function csvFormat (columns: readonly ExportColumn[]): ExportFormat {
  return {
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    head: () => stringify([columns.map((c) => c.name)], CSV_OPTIONS),
    page: (dtos) => stringify(
      dtos.map((dto) => columns.map((c) => neutralizeCell(cellText(c.value(dto))))),
      CSV_OPTIONS
    )
  }
}

/** One DTO per line, exactly as the JSON API shows it; JSON never holds a raw newline. */
export const ndjsonFormat: ExportFormat = {
  contentType: 'application/x-ndjson',
  extension: 'ndjson',
  head: () => '',
  page: (dtos) => {
    let out = ''
    for (const dto of dtos) out += `${JSON.stringify(dto)}\n`
    return out
  }
}
