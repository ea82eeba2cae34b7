import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { Value } from 'typebox/value'
import type { AppDeps } from './deps.js'
import { withWriteScope } from './lib/records/record-writer.js'
import { JOBS, type JobDefinition } from './jobs/registry.js'
import { ShutdownError } from './jobs/shutdown.js'
import { QUEUE_CONCURRENCY, QUEUE_NAMES, type QueueName } from './jobs/queues.js'
import { markJobFinished, markJobProgress, markJobRunning } from './modules/jobs/jobs.status.js'

export interface RunningWorkers {
  close: () => Promise<void>
}

export interface WorkerOptions {
  /** The jobs to run and schedule; every job of the registry by default (a test passes its own). */
  jobs?: readonly JobDefinition[]
}

const PROGRESS_EVERY_MS = 1000

/**
 * Starts one BullMQ worker per queue and registers the job schedulers.
 * Workers wait for Redis (no retry limit on their connection); each job gets
 * a child logger with queue, job name, id and attempt, and its `jobs` row
 * (for a job a route started) follows its status.
 */
export async function startWorkers (
  deps: AppDeps,
  redisUrl: string,
  options: WorkerOptions = {}
): Promise<RunningWorkers> {
  const jobs = options.jobs ?? JOBS
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const closing = new AbortController()
  const workers = Object.values(QUEUE_NAMES).map((queue) => {
    const definitions = new Map(jobs.filter((j) => j.queue === queue).map((j) => [j.name, j]))
    const worker = new Worker(queue, (job, token) => runJob(deps, queue, definitions, job, token, closing.signal), {
      connection,
      prefix: deps.queues.prefix,
      concurrency: QUEUE_CONCURRENCY[queue],
      lockDuration: deps.config.WORKER_LOCK_MS,
      stalledInterval: deps.config.WORKER_LOCK_MS
    })
    worker.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)
      const fields = { queue, jobName: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err }
      if (err instanceof DelayedError) return
      if (final || err instanceof UnrecoverableError) deps.logger.error(fields, 'job failed')
      else deps.logger.warn(fields, 'job attempt failed')
    })
    worker.on('error', (err) => deps.logger.warn({ queue, err }, 'worker error'))
    return worker
  })

  for (const job of jobs) {
    if (job.schedule === undefined) continue
    const { id, ...repeat } = job.schedule
    await deps.queues.get(job.queue).upsertJobScheduler(id, repeat, { name: job.name, data: {} })
  }
  deps.logger.info({ queues: Object.values(QUEUE_NAMES) }, 'workers started')

  return {
    close: async () => {
      closing.abort()
      await Promise.all(workers.map((w) => w.close()))
      await connection.quit().catch(() => connection.disconnect())
    }
  }
}

async function runJob (
  deps: AppDeps,
  queue: QueueName,
  definitions: Map<string, JobDefinition>,
  job: Job,
  token: string | undefined,
  signal: AbortSignal
): Promise<unknown> {
  const attempt = job.attemptsMade + 1
  const jobId = job.id as string
  const log = deps.logger.child({ queue, jobName: job.name, jobId, attempt })
  const db = deps.database.db
  const definition = definitions.get(job.name)
  if (definition === undefined) {
    await markJobFinished(db, jobId, { status: 'failed', error: `no processor for job ${job.name}` })
    throw new UnrecoverableError(`no processor for job ${job.name}`)
  }
  if (!Value.Check(definition.payload, job.data)) {
    log.error('job payload is invalid')
    await markJobFinished(db, jobId, { status: 'failed', error: 'the job payload is invalid' })
    throw new UnrecoverableError(`invalid payload for ${job.name}`)
  }
  await markJobRunning(db, jobId, attempt, deps.queues.prefix)
  let lastProgress = 0
  const progress = async (value: Record<string, unknown>) => {
    const now = Date.now()
    if (now - lastProgress < PROGRESS_EVERY_MS) return
    lastProgress = now
    await Promise.all([markJobProgress(db, jobId, value), job.updateProgress(value)])
  }
  const started = Date.now()
  try {
    // A write scope, as a request has: work the job's writes defer (asking
    // for lead scoring) runs once the job's own work is over.
    const result = await withWriteScope(deps, () =>
      definition.process(job.data, { deps, log, attempt, jobId, signal, progress }))
    await markJobFinished(db, jobId, { status: 'succeeded', result })
    log.info({ durationMs: Date.now() - started }, 'job completed')
    return result
  } catch (err) {
    const durationMs = Date.now() - started
    if (err instanceof ShutdownError || (signal.aborted && token !== undefined)) {
      // Not the job's fault: run it again soon, without using an attempt.
      log.info({ durationMs }, 'job interrupted by shutdown; it will run again')
      await markJobFinished(db, jobId, { status: 'retrying', error: 'interrupted by a worker shutdown' })
      await job.moveToDelayed(Date.now() + 1000, token)
      throw new DelayedError()
    }
    const final = err instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1)
    const message = err instanceof Error ? err.message : String(err)
    log.warn({ durationMs, err, final }, 'job attempt failed')
    await markJobFinished(db, jobId, { status: final ? 'failed' : 'retrying', error: message })
    throw err
  }
}
