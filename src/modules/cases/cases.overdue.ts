import { and, eq, isNull, lt, not, or, type SQL } from 'drizzle-orm'
import { cases } from './cases.table.js'

/**
 * What "overdue" means, once for the record and once for SQL, so the
 * computed field and the filter cannot disagree. A case is overdue at `now`
 * when it is open and `now` is strictly later than its resolution due time,
 * or it has no first response and `now` is strictly later than its first
 * response due time. `now` is always the API's clock, passed in (never the
 * database's now()), so one request can use a single instant for both.
 */

interface OverdueFields {
  isClosed: boolean
  firstResponseAt: Date | null
  firstResponseDueAt: Date
  resolutionDueAt: Date
}

export function isOverdueAt (row: OverdueFields, now: Date): boolean {
  if (row.isClosed) return false
  if (now.getTime() > row.resolutionDueAt.getTime()) return true
  return row.firstResponseAt === null && now.getTime() > row.firstResponseDueAt.getTime()
}

/** The cases overdue at `now`; every column is non-null, so `not` of it is exact. */
export function overdueCondition (now: Date): SQL {
  return and(
    eq(cases.isClosed, false),
    or(
      lt(cases.resolutionDueAt, now),
      and(isNull(cases.firstResponseAt), lt(cases.firstResponseDueAt, now))
    )
  ) as SQL
}

/** The `isOverdue` filter: the overdue cases, or all the others. */
export function overdueFilter (value: boolean, now: Date): SQL {
  return value ? overdueCondition(now) : not(overdueCondition(now))
}
