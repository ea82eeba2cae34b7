import { UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { Value } from 'typebox/value'
import type { AppDeps } from './deps.js'
import { JOBS } from './jobs/registry.js'
import { QUEUE_NAMES } from './jobs/queues.js'

export interface RunningWorkers {
  close: () => Promise<void>
}

/**
 * Starts one BullMQ worker per queue and registers the job schedulers.
 * Workers wait for Redis (no retry limit on their connection); each job gets
 * a child logger with queue, job name, id and attempt.
 */
export async function startWorkers (deps: AppDeps, redisUrl: string): Promise<RunningWorkers> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const workers = Object.values(QUEUE_NAMES).map((queue) => {
    const jobs = new Map(JOBS.filter((j) => j.queue === queue).map((j) => [j.name, j]))
    const worker = new Worker(queue, async (job) => {
      const definition = jobs.get(job.name)
      const log = deps.logger.child({ queue, jobName: job.name, jobId: job.id, attempt: job.attemptsMade + 1 })
      if (definition === undefined) throw new UnrecoverableError(`no processor for job ${job.name}`)
      if (!Value.Check(definition.payload, job.data)) {
        log.error('job payload is invalid')
        throw new UnrecoverableError(`invalid payload for ${job.name}`)
      }
      const started = Date.now()
      const result = await definition.process(job.data, { deps, log, attempt: job.attemptsMade + 1 })
      log.info({ durationMs: Date.now() - started }, 'job completed')
      return result
    }, { connection, prefix: deps.queues.prefix, concurrency: 4 })
    worker.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)
      const fields = { queue, jobName: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err }
      if (final) deps.logger.error(fields, 'job failed')
      else deps.logger.warn(fields, 'job attempt failed')
    })
    worker.on('error', (err) => deps.logger.warn({ queue, err }, 'worker error'))
    return worker
  })

  for (const job of JOBS) {
    if (job.schedule === undefined) continue
    const queue = deps.queues.get(job.queue)
    await queue.upsertJobScheduler(job.schedule.id, { every: job.schedule.every }, { name: job.name, data: {} })
  }
  deps.logger.info({ queues: Object.values(QUEUE_NAMES) }, 'workers started')

  return {
    close: async () => {
      await Promise.all(workers.map((w) => w.close()))
      await connection.quit().catch(() => connection.disconnect())
    }
  }
}
