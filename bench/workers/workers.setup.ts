import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { runMigrations } from '../../src/db/migrate.js'
import { createDatabase } from '../../src/db/pool.js'
import type { AppDeps } from '../../src/deps.js'
import { createQueues, QUEUE_NAMES } from '../../src/jobs/queues.js'
import { createLogger } from '../../src/logger.js'
import { startWorkers, type RunningWorkers } from '../../src/worker.js'
import { createScratchDatabase, dropScratchDatabase } from '../scratch-database.js'

/**
 * What the worker benchmarks share: a scratch database next to
 * BENCH_DATABASE_URL's, a Redis queue prefix of their own, the real app and
 * the real workers in this process, and a signed-up workspace. Everything
 * is removed at the end, also when the run fails.
 */

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function localUrl (env: NodeJS.ProcessEnv, key: string, fallback: string): string {
  const raw = env[key] || fallback
  if (!LOCAL_HOSTS.has(new URL(raw).hostname)) throw new Error(`${key} must point at this machine`)
  return raw
}

export function integerEnv (env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number) {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer from ${min} to ${max}, got ${raw}`)
  }
  return value
}

export interface BenchContext {
  deps: AppDeps
  app: FastifyInstance
  databaseUrl: string
  workspaceId: string
  userId: string
  token: string
  startWorkers: () => Promise<RunningWorkers>
  close: () => Promise<void>
}

export async function openBench (name: string, overrides: Record<string, string> = {}): Promise<BenchContext> {
  const adminUrl = localUrl(process.env, 'BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres')
  const redisUrl = localUrl(process.env, 'BENCH_REDIS_URL', 'redis://127.0.0.1:6379')
  const database = `crm_bench_${name}`
  const databaseUrl = await createScratchDatabase(adminUrl, database)
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: randomUUID() + randomUUID(),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    DATABASE_POOL_MAX: '10',
    SEED_DEMO: 'false',
    ...overrides
  })
  const logger = createLogger(config.LOG_LEVEL)
  const handle = createDatabase(databaseUrl, { max: config.DATABASE_POOL_MAX, logger })
  await runMigrations(handle)
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  const queues = createQueues(redis, `{bench-${randomUUID().slice(0, 8)}}`)
  const deps: AppDeps = { config, logger, database: handle, redis, queues, jwtSecret: config.JWT_SECRET as string }
  const app = await buildApp(deps)
  await app.ready()
  const signup = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: {
      workspaceName: 'Bench', name: 'Bench admin', email: `bench-${randomUUID()}@example.com`,
      password: 'correct horse battery staple', currency: 'USD'
    }
  })
  if (signup.statusCode !== 201) throw new Error(`signup failed: ${signup.statusCode} ${signup.body}`)
  const body = signup.json()
  const running: RunningWorkers[] = []
  return {
    deps,
    app,
    databaseUrl,
    workspaceId: body.workspace.id,
    userId: body.user.id,
    token: body.accessToken,
    async startWorkers () {
      const workers = await startWorkers(deps, redisUrl)
      running.push(workers)
      return workers
    },
    async close () {
      for (const w of running) await w.close().catch(() => {})
      await app.close().catch(() => {})
      for (const q of Object.values(QUEUE_NAMES)) await queues.get(q).obliterate({ force: true }).catch(() => {})
      await queues.close().catch(() => {})
      await redis.quit().catch(() => {})
      await handle.close().catch(() => {})
      await dropScratchDatabase(adminUrl, database).catch(() => {})
    }
  }
}

/** Peak heap and RSS while `fn` runs, sampled every 100 ms. */
export async function withMemory<T> (fn: () => Promise<T>): Promise<{ value: T, peakHeapMb: number, peakRssMb: number }> {
  let peakHeap = 0
  let peakRss = 0
  const sample = () => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
  }
  sample()
  const timer = setInterval(sample, 100)
  try {
    const value = await fn()
    sample()
    return { value, peakHeapMb: peakHeap / 2 ** 20, peakRssMb: peakRss / 2 ** 20 }
  } finally {
    clearInterval(timer)
  }
}

/** Runs `fn` (which answers how many items it handled) and measures its rate and peak heap. */
export async function timed (fn: () => Promise<number>) {
  const started = process.hrtime.bigint()
  const measured = await withMemory(fn)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { count: measured.value, perSecond: measured.value / seconds, seconds, heapMb: measured.peakHeapMb }
}

/** Polls the job row until it finishes; throws if it failed. */
export async function waitForJob (ctx: BenchContext, jobId: string, timeoutMs = 60 * 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await ctx.app.inject({
      method: 'GET', url: `/v1/jobs/${jobId}`, headers: { authorization: `Bearer ${ctx.token}` }
    })
    const job = res.json()
    if (job.status === 'succeeded') return job.result
    if (job.status === 'failed') throw new Error(`job ${jobId} failed: ${job.error}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`job ${jobId} did not finish in time`)
}

export interface BenchLine {
  name: string
  units: string
  ours: number
  baseline: number
  target: number
  note?: string
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

export function printLines (lines: BenchLine[]) {
  const out = (s: string) => process.stdout.write(`${s}\n`)
  out('')
  out(`${'benchmark'.padEnd(28)} ${'ours'.padStart(12)} ${'baseline'.padStart(12)} ${'ratio'.padStart(6)} ` +
    `${'target'.padStart(7)} met`)
  for (const l of lines) {
    const ratio = l.ours / l.baseline
    out(`${l.name.padEnd(28)} ${`${fmt(l.ours)}`.padStart(12)} ${`${fmt(l.baseline)}`.padStart(12)} ` +
      `${ratio.toFixed(2).padStart(6)} ${`>= ${l.target}`.padStart(7)} ${ratio >= l.target ? 'yes' : 'NO'}` +
      `   (${l.units})${l.note === undefined ? '' : `  ${l.note}`}`)
  }
}
