import type { CasePriority } from '../cases.schemas.js'

export interface ServiceLevel {
  /** Minutes after the case was opened by which a first public comment is due. */
  firstResponseMinutes: number
  /** Minutes after the case was opened by which it is due to be resolved. */
  resolutionMinutes: number
}

/** The priorities from the most to the least urgent: the order policies are shown in. */
export const SLA_PRIORITIES: readonly CasePriority[] = ['urgent', 'high', 'normal', 'low']

/**
 * The service levels of a workspace that has not set its own for a priority
 * (DOMAIN.md: "1 h first response for urgent"). Urgent 1 h / 4 h, high
 * 4 h / 1 day, normal 8 h / 3 days, low 1 day / 5 days; wall-clock minutes,
 * not business hours.
 */
export const DEFAULT_SERVICE_LEVELS: Readonly<Record<CasePriority, ServiceLevel>> = {
  urgent: { firstResponseMinutes: 60, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
  normal: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
  low: { firstResponseMinutes: 1440, resolutionMinutes: 7200 }
}

/** The longest service level a workspace may set: one year, in minutes. */
export const MAX_SLA_MINUTES = 525600
