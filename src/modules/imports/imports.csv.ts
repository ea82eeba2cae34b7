/**
 * Writing CSV: RFC 4180 quoting, and for files a person opens in a
 * spreadsheet, formula neutralisation (OWASP "CSV injection"): a cell that
 * starts with = + - @, a tab or a carriage return gets a leading
 * apostrophe, so the spreadsheet shows it as text instead of running it.
 */

const NEEDS_QUOTES = /[",\r\n]/
const FORMULA_START = /^[=+\-@\t\r]/

export function quoteCsv (text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function neutraliseFormula (text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

/** One line of a CSV file meant for a spreadsheet, with its CRLF. */
export function spreadsheetLine (cells: readonly (string | number | null)[]): string {
  return `${cells.map((c) => (c === null ? '' : quoteCsv(neutraliseFormula(String(c))))).join(',')}\r\n`
}

/** A parsed CSV record written back as the line it was, near enough to find it. */
export function csvRecordText (cells: readonly string[]): string {
  return cells.map(quoteCsv).join(',')
}
