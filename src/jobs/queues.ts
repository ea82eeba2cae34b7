import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

/**
 * Every queue of the system. Keys share the `{crm}` hash tag, so on a Redis
 * Cluster all of a queue's keys live in one slot as BullMQ requires.
 */
export const QUEUE_PREFIX = '{crm}'

export const QUEUE_NAMES = {
  maintenance: 'maintenance'
} as const

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES]

export interface Queues {
  prefix: string
  maintenance: Queue
  close: () => Promise<void>
}

/** Producers share one connection; they fail fast rather than queue commands offline. */
export function createQueues (connection: Redis, prefix = QUEUE_PREFIX): Queues {
  const defaultJobOptions = {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5000 }
  }
  const maintenance = new Queue(QUEUE_NAMES.maintenance, { connection, prefix, defaultJobOptions })
  return {
    prefix,
    maintenance,
    close: async () => {
      await maintenance.close()
    }
  }
}
