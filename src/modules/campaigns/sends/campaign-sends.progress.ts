import type { SendCounts, SendSkipped } from './campaign-sends.queries.js'

/** What a campaign.send job reports as progress and result. */
export interface SendProgress {
  total: number
  pending: number
  sent: number
  bounced: number
  failed: number
  /** Rows skipped at send time: the person opted out or was removed after the send was recorded. */
  optedOutLater: number
  /** Members left out when the send was recorded. */
  skipped: SendSkipped
}

const NO_SKIPS: SendSkipped = { optedOut: 0, invalid: 0, duplicate: 0 }

export function toProgress (counts: SendCounts, skipped: unknown): SendProgress {
  return {
    total: counts.total,
    pending: counts.pending + counts.sending,
    sent: counts.sent,
    bounced: counts.bounced,
    failed: counts.failed,
    optedOutLater: counts.skipped,
    skipped: (skipped as SendSkipped | null) ?? NO_SKIPS
  }
}

