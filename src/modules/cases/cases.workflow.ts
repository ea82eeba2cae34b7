import { withFieldErrors } from '../../lib/errors.js'
import {
  CaseOpenedClosedError,
  CaseResolutionRequiredError,
  CaseTransitionNotAllowedError
} from './cases.errors.js'
import {
  CASE_STATUSES,
  CLOSED_CASE_STATUSES,
  type CaseStatus,
  OPEN_CASE_STATUSES
} from './cases.schemas.js'

/**
 * The status workflow of a case. Open statuses may be followed by any
 * status; a resolved case may only be closed or reopened; a closed,
 * rejected or duplicate case may only be reopened. Reopening is any move
 * from a closed status to an open one.
 */

export const isClosedStatus = (status: string) =>
  CLOSED_CASE_STATUSES.includes(status as CaseStatus)

/** The statuses a case in `from` may move to, in the order of CASE_STATUSES. */
export function nextStatuses (from: CaseStatus): CaseStatus[] {
  const others = CASE_STATUSES.filter((s) => s !== from)
  if (!isClosedStatus(from)) return others
  if (from === 'resolved') return others.filter((s) => s === 'closed' || !isClosedStatus(s))
  return others.filter((s) => !isClosedStatus(s))
}

/** Refuses a move the workflow does not allow with a 409 naming from, to and the choices. */
export function assertTransition (from: CaseStatus, to: CaseStatus) {
  if (from === to) return
  const allowed = nextStatuses(from)
  if (allowed.includes(to)) return
  const message = `a case cannot move from ${from} to ${to}; from ${from} it may move to ` +
    allowed.join(', ')
  const error = new CaseTransitionNotAllowedError(message)
  throw withFieldErrors(error, [{ pointer: '/status', message }])
}

/** A case opens in an open status: a closed one would skip the work the SLA measures. */
export function assertOpeningStatus (status: CaseStatus) {
  if (!isClosedStatus(status)) return
  const message = `a case opens in ${OPEN_CASE_STATUSES.join(', ')}; ` +
    `create it, then move it to ${status}`
  throw withFieldErrors(new CaseOpenedClosedError(message), [{ pointer: '/status', message }])
}

/** A resolved case keeps a resolution; checked on the merged record. */
export function assertResolution (status: string, resolution: string | null | undefined) {
  if (status !== 'resolved' || (resolution ?? '').trim() !== '') return
  const error = new CaseResolutionRequiredError()
  throw withFieldErrors(error, [{ pointer: '/resolution', message: error.message }])
}

interface StatusState {
  status: CaseStatus
  reopenCount: number
}

/**
 * The columns a move from `from` (undefined for a new case) to `to` sets.
 * closedAt keeps the time the case first entered the closed statuses, so a
 * resolved case that is then closed keeps it; reopening clears both times,
 * stamps reopenedAt and counts the reopening. Entering escalated stamps
 * escalatedAt, which keeps the latest escalation afterwards.
 */
export function statusChange (
  from: StatusState | undefined,
  to: CaseStatus,
  now: Date
): Record<string, unknown> {
  const wasClosed = from !== undefined && isClosedStatus(from.status)
  const closing = isClosedStatus(to)
  const values: Record<string, unknown> = { isClosed: closing }
  if (to === 'escalated') values.escalatedAt = now
  if (!closing) {
    if (wasClosed) {
      Object.assign(values, {
        resolvedAt: null,
        closedAt: null,
        reopenedAt: now,
        reopenCount: (from?.reopenCount ?? 0) + 1
      })
    }
    return values
  }
  if (to === 'resolved') values.resolvedAt = now
  if (!wasClosed) values.closedAt = now
  return values
}
