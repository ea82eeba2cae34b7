/**
 * One value of a record as the text of a CSV cell, and the guard against
 * CSV injection (OWASP "CSV Injection"): a spreadsheet that opens the file
 * runs a cell starting with `=`, `+`, `-` or `@` as a formula (and some
 * treat a leading tab or carriage return alike; Apple Numbers also reads
 * the full-width ＝ ＋ － ＠ as those), so such a cell gets a single quote
 * in front. The NDJSON export is never altered.
 *
 * The quote is visible data, and reversible: a cell that starts with one or
 * more `'` and then one of those characters had one `'` added, no other
 * cell had. For that, a value that itself starts with quotes followed by a
 * formula character (`'=x`) gets one more quote too.
 */

const NEEDS_QUOTE = /^'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/

/**
 * A negative decimal number such as a money string "-5.00" is inert (a
 * spreadsheet reads it as the number it is), so it keeps its sign. Nothing
 * else that starts with `-` is spared: "-1+1" would be computed.
 */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/

export function neutralizeCell (text: string): string {
  if (!NEEDS_QUOTE.test(text) || NEGATIVE_NUMBER.test(text)) return text
  return `'${text}`
}

/**
 * Null is an empty cell, booleans are `true` and `false`, numbers their
 * JSON form; arrays and objects that are not flattened into columns are
 * written as JSON. Strings stay as they are (before neutralizing).
 */
export function cellText (value: unknown): string {
  if (value === null || value === undefined) return ''
  switch (typeof value) {
    case 'string':
      return value
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
    case 'bigint':
      return String(value)
    default:
      return value instanceof Date ? value.toISOString() : JSON.stringify(value)
  }
}
