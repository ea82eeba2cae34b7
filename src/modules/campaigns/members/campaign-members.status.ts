/**
 * A member's status is the furthest step the person reached. The steps of
 * the ladder come in order; the outcomes end the membership's story.
 */
export const MEMBER_STEPS = ['targeted', 'sent', 'opened', 'clicked', 'responded'] as const
export const MEMBER_OUTCOMES = ['bounced', 'unsubscribed', 'failed'] as const
export const MEMBER_STATUSES = [...MEMBER_STEPS, ...MEMBER_OUTCOMES] as const

export type MemberStatus = (typeof MEMBER_STATUSES)[number]

/** The column that records when a member entered each status; targeted has createdAt. */
export const STEP_TIMES = {
  sent: 'sentAt',
  opened: 'openedAt',
  clicked: 'clickedAt',
  responded: 'respondedAt',
  bounced: 'bouncedAt',
  unsubscribed: 'unsubscribedAt',
  failed: 'failedAt'
} as const satisfies Record<Exclude<MemberStatus, 'targeted'>, string>

export type StepTime = (typeof STEP_TIMES)[keyof typeof STEP_TIMES]

export const STATUS_RULES =
  'Statuses: targeted < sent < opened < clicked < responded is the ladder, and bounced, ' +
  'unsubscribed and failed are terminal outcomes. A member moves up the ladder (steps may be ' +
  'skipped) or from any step to an outcome; it never moves down the ladder, and an outcome ' +
  'is final. Entering a status sets its time (sentAt, openedAt, ...) if that time is empty.'

const isOutcome = (s: MemberStatus) => (MEMBER_OUTCOMES as readonly string[]).includes(s)
const rank = (s: MemberStatus) => (MEMBER_STEPS as readonly string[]).indexOf(s)

/** Whether a member at `from` may move to `to`; staying put is always allowed. */
export function canMove (from: MemberStatus, to: MemberStatus): boolean {
  if (from === to) return true
  if (isOutcome(from)) return false
  return isOutcome(to) || rank(to) > rank(from)
}

/** The step time `status` sets, unless the row already holds one. */
export function stepTimeFor (
  status: MemberStatus,
  current: Partial<Record<StepTime, Date | null>>,
  now: Date
): Partial<Record<StepTime, Date>> {
  if (status === 'targeted') return {}
  const column = STEP_TIMES[status]
  return current[column] == null ? { [column]: now } : {}
}
