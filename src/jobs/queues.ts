import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

/**
 * Every queue of the system. Keys share the `{crm}` hash tag, so on a Redis
 * Cluster all of a queue's keys live in one slot as BullMQ requires.
 */
export const QUEUE_PREFIX = '{crm}'

export const QUEUE_NAMES = {
  maintenance: 'maintenance',
  campaigns: 'campaigns',
  scoring: 'scoring',
  imports: 'imports'
} as const

/** How many jobs of each queue one worker process runs at once. */
export const QUEUE_CONCURRENCY: Record<QueueName, number> = {
  maintenance: 1,
  campaigns: 2,
  scoring: 2,
  imports: 1
}

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES]

export interface Queues {
  prefix: string
  get: (name: QueueName) => Queue
  close: () => Promise<void>
}

/** Retries with backoff; finished jobs are kept by age and by count, then removed. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 }
}

/**
 * Producers share one connection. Queues are opened on first use, so
 * building the app (for the OpenAPI document, or a test) connects nothing.
 */
export function createQueues (connection: Redis, prefix = QUEUE_PREFIX): Queues {
  const open = new Map<QueueName, Queue>()
  return {
    prefix,
    get (name) {
      let queue = open.get(name)
      if (queue === undefined) {
        queue = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })
        open.set(name, queue)
      }
      return queue
    },
    async close () {
      await Promise.all([...open.values()].map((q) => q.close()))
      open.clear()
    }
  }
}
