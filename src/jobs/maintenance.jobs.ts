import { Type } from 'typebox'
import { purgeExpiredKeys } from '../plugins/idempotency/idempotency.queries.js'
import type { JobDefinition } from './registry.js'

/** Forgets Idempotency-Keys past their 24 hours, every hour. */
export const purgeIdempotencyKeys: JobDefinition = {
  name: 'idempotency.purge',
  queue: 'maintenance',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'idempotency.purge.hourly', every: 3_600_000 },
  async process (_payload, { deps, log }) {
    const removed = await purgeExpiredKeys(deps.database.db)
    log.info({ removed }, 'expired idempotency keys purged')
    return { removed }
  }
}
