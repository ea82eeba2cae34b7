import { Type } from 'typebox'
import { problemResponses, RequestIdHeader } from '../../lib/http/responses.js'
import { listQuerySchema } from '../../lib/resource/resource.routes.js'
import type { AnyResourceDefinition } from '../../lib/resource/resource.js'
import { StringEnum } from '../../lib/schemas.js'
import { EXPORT_FORMATS, type ExportFormat } from './exports.formats.js'
import { EXPORT_PAGE_SIZE } from './exports.stream.js'

/** The list's filters, `q` and `sort`, without its paging, plus the file's own options. */
export function exportQuerySchema (def: AnyResourceDefinition) {
  const { limit: _limit, cursor: _cursor, ...rest } = listQuerySchema(def, {
    format: Type.Optional(StringEnum(EXPORT_FORMATS, {
      default: 'csv',
      description: 'csv (the default) or ndjson',
      examples: ['csv']
    })),
    bom: Type.Optional(Type.Boolean({
      default: false,
      description: 'CSV only (ignored for NDJSON): start the file with a UTF-8 byte order mark, ' +
        'which some spreadsheets need to read UTF-8'
    }))
  }).properties
  return Type.Object(rest, { additionalProperties: false })
}

export function exportFilename (def: AnyResourceDefinition, format: ExportFormat, now: Date): string {
  return `${def.plural}-${now.toISOString().slice(0, 10)}.${format.extension}`
}

/** The operation's description: every rule and choice of the file. */
export function describeExport (def: AnyResourceDefinition): string {
  const p = def.plural
  return [
    `Every ${def.name} that the filters, \`q\` and \`sort\` of \`GET /v1/${p}\` select ` +
      '(the same parameters, without `limit` and `cursor`; default sort `-createdAt`), as ' +
      'one downloaded file: `format=csv` (the default) or `format=ndjson`. Needs the read ' +
      `permission on ${p}, like the list.`,
    '',
    `- Streaming: the ${p} are read ${EXPORT_PAGE_SIZE} at a time in the list's keyset order ` +
      'while the file is written, and the next page is read only when the client has taken ' +
      'the previous one, so an export of any size starts at once and holds little memory. ' +
      'It is not one snapshot: a record that exists for the whole export appears exactly ' +
      'once; one created, changed or deleted meanwhile may or may not appear.',
    '- CSV: UTF-8, RFC 4180 (comma separated, fields with a comma, quote or line break in ' +
      'double quotes, quotes doubled, CRLF after every record). The first row names the ' +
      'fields of the record, in the order of its schema; an address is one column per part ' +
      '(`billingAddress.city`), other objects and arrays are JSON. Null is an empty cell, ' +
      'booleans are `true`/`false`, timestamps RFC 3339, money a decimal string. No byte ' +
      'order mark unless `bom=true`.',
    '- Formulas: a cell starting with `=`, `+`, `-`, `@`, a tab, a carriage return or ' +
      'the full-width `＝`, `＋`, `－`, `＠` gets a leading `\'`, so that a spreadsheet ' +
      'shows it as text instead of running it (CSV injection). Negative numbers such as ' +
      '`-5.00` are left alone. Values such as a phone ' +
      'number `+49 30 1234567` therefore read `\'+49 30 1234567`. The quote is reversible: ' +
      'a value that itself starts with quotes and then one of those characters (`\'=x`) gets ' +
      'one more, so dropping one `\'` from every cell that starts with one or more `\'` and ' +
      'then one of those characters gives the stored value. NDJSON is never altered.',
    '- NDJSON: one record per line, exactly as `GET` shows it, each line ending in LF.',
    '- A filter, sort or `q` that does not fit answers 400 (problem+json) before anything ' +
      'is sent. A failure after the file has started cannot become a problem: the ' +
      'connection is closed before the end of the body (HTTP/1.1: no final chunk), so a ' +
      'download that did not end cleanly is incomplete; the server logs the failure with ' +
      'the request id.',
    `- \`Content-Disposition: attachment\` names the file \`${p}-YYYY-MM-DD.csv\` or ` +
      '`.ndjson` (the UTC date); `Cache-Control: no-store`.'
  ].join('\n')
}

/** The documented 200, with an example of each format made by the encoders themselves. */
export function exportResponses (
  def: AnyResourceDefinition,
  examples: { csv: string, ndjson: string }
) {
  return {
    200: {
      description: `Every selected ${def.name}, as CSV or NDJSON`,
      headers: {
        'X-Request-Id': RequestIdHeader,
        'Content-Disposition': {
          type: 'string',
          description: 'attachment, with the file name',
          examples: [`attachment; filename="${def.plural}-2026-12-03.csv"`]
        }
      },
      content: {
        'text/csv': {
          schema: {
            type: 'string',
            description: `a header row, then one row per ${def.name}`,
            examples: [examples.csv]
          }
        },
        'application/x-ndjson': {
          schema: {
            type: 'string',
            description: `one ${def.name} (JSON) per line`,
            examples: [examples.ndjson]
          }
        }
      }
    },
    ...problemResponses(400, 401, 403)
  }
}
