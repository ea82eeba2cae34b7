import { Type } from 'typebox'
import type { JobDefinition } from '../../jobs/registry.js'
import { dispatchJobs, undispatchedJobs } from './jobs.outbox.js'
import { requeueLostJobs } from './jobs.requeue.js'
import { purgeFinishedJobs } from './jobs.status.js'

/** A committed job whose dispatch did not happen (a crash between commit and add) is handed over here. */
const relayOutbox: JobDefinition = {
  name: 'jobs.relay',
  queue: 'maintenance',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'jobs.relay.every-15s', every: 15_000 },
  async process (_payload, { deps, log }) {
    const rows = await undispatchedJobs(deps.database.db, 10_000)
    await dispatchJobs(deps, rows)
    if (rows.length > 0) log.info({ relayed: rows.length }, 'outbox jobs relayed')
    return { relayed: rows.length }
  }
}

/**
 * A handed-over job that Redis lost (a flushed or failed-over Redis) is
 * handed over again; one BullMQ finished without its record hearing (given
 * up after its workers died) has its record closed (jobs.requeue.ts).
 */
const requeueLost: JobDefinition = {
  name: 'jobs.requeue',
  queue: 'maintenance',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'jobs.requeue.every-30s', every: 30_000 },
  async process (_payload, { deps, log }) {
    const counts = await requeueLostJobs(deps, log)
    if (counts.requeued > 0 || counts.closed > 0) log.info(counts, 'lost jobs queued again, given-up jobs closed')
    return counts
  }
}

/** Job records are kept 30 days after they finish. */
const purgeJobs: JobDefinition = {
  name: 'jobs.purge',
  queue: 'maintenance',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'jobs.purge.daily', every: 24 * 3_600_000 },
  async process (_payload, { deps, log }) {
    const removed = await purgeFinishedJobs(deps.database.db, 30)
    log.info({ removed }, 'finished job records purged')
    return { removed }
  }
}

export const outboxJobs: readonly JobDefinition[] = [relayOutbox, requeueLost, purgeJobs]
