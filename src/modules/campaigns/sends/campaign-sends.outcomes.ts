import type { Executor } from '../../../db/pool.js'
import { markFinal, markRetry, markSent, markSkipped } from './campaign-sends.queries.js'

/** Settled messages are recorded in one statement per kind per this many, or this often. */
const FLUSH_EVERY = 20
const FLUSH_AFTER_MS = 200

/** What messages of a batch came to, waiting to be recorded. */
export interface Outcomes {
  sent: { id: string, messageId: string }[]
  bounced: { id: string, messageId: string | null, error: string }[]
  failed: { id: string, messageId: string | null, error: string }[]
  retry: { id: string, error: string, retryInMs: number }[]
  skipped: string[]
}

/** How to record one message's outcome. */
export type Outcome = (o: Outcomes) => void

const noOutcomes = (): Outcomes => ({ sent: [], bounced: [], failed: [], retry: [], skipped: [] })

const idsOf = (o: Outcomes) => [
  ...o.sent.map((s) => s.id), ...o.bounced.map((s) => s.id), ...o.failed.map((s) => s.id),
  ...o.retry.map((s) => s.id), ...o.skipped
]

/**
 * The outcomes of one claimed batch, recorded set-based every few messages
 * (a crash leaves few delivered messages unrecorded, and so few to send
 * twice), in order, one write at a time.
 */
export class OutcomeLog {
  private pending = noOutcomes()
  private count = 0
  private written: Promise<void> = Promise.resolve()
  private lastFlush = Date.now()

  constructor (
    private readonly db: Executor,
    private readonly workspaceId: string,
    private readonly token: string,
    /** Told which rows are recorded. */
    private readonly onRecorded: (ids: string[]) => void
  ) {}

  async add (outcome: Outcome) {
    outcome(this.pending)
    this.count++
    const isDue = this.count >= FLUSH_EVERY || Date.now() - this.lastFlush >= FLUSH_AFTER_MS
    if (isDue) await this.flush()
  }

  /** Records what is waiting; rejects when a write failed (this one or an earlier one). */
  flush (): Promise<void> {
    const taken = this.pending
    this.pending = noOutcomes()
    this.count = 0
    this.lastFlush = Date.now()
    this.written = this.written.then(async () => {
      await this.record(taken)
      this.onRecorded(idsOf(taken))
    })
    return this.written
  }

  private async record (o: Outcomes) {
    const { db, workspaceId: ws, token } = this
    await markSent(db, ws, o.sent)
    await markFinal(db, ws, token, 'bounced', o.bounced)
    await markFinal(db, ws, token, 'failed', o.failed)
    await markRetry(db, ws, token, o.retry)
    await markSkipped(db, ws, token, o.skipped)
  }
}
