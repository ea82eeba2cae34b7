import { timestamp } from 'drizzle-orm/pg-core'

/**
 * Timestamps keep milliseconds only (precision 3): the API shows
 * milliseconds, and a cursor built from a shown value must compare equal to
 * the stored one.
 */
export function timestampColumn () {
  return timestamp({ withTimezone: true, precision: 3, mode: 'date' })
}
