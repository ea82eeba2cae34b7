import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import t from 'tap'

/**
 * The real entry point as a child process: it starts the API and the
 * workers, answers ready, runs the scheduled maintenance job, and on
 * SIGTERM closes everything and exits 0. A bad configuration stops it with
 * one message that names every problem.
 */

function start (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (pattern: RegExp, ms = 30_000) => {
    const until = Date.now() + ms
    while (Date.now() < until) {
      const match = pattern.exec(output)
      if (match !== null) return match
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`)
  }
  return { child, exited, waitFor, output: () => output }
}

t.test('starts, serves, runs jobs and shuts down gracefully', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-main-'))
  const prefix = `{main-${randomUUID().slice(0, 8)}}`
  t.teardown(async () => {
    const redis = new Redis(process.env.REDIS_URL as string)
    const queue = new Queue('maintenance', { connection: redis, prefix })
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
    await redis.quit()
    await rm(dataDir, { recursive: true, force: true })
  })
  const proc = start({ PORT: '0', DATA_DIR: dataDir, QUEUE_PREFIX: prefix, SEED_DEMO: 'false', LOG_LEVEL: 'info' })
  t.teardown(() => { proc.child.kill('SIGKILL') })

  const [, address] = await proc.waitFor(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/)
  const ready = await fetch(`${address}/health/ready`)
  t.equal(ready.status, 200)
  t.same(await ready.json(), { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } })
  await proc.waitFor(/"msg":"expired idempotency keys purged"/)
  t.match(proc.output(), /"queue":"maintenance","jobName":"idempotency.purge"/, 'job logs carry queue and job name')

  proc.child.kill('SIGTERM')
  t.equal(await proc.exited, 0, 'exits 0 after SIGTERM')
  t.match(proc.output(), /"msg":"shutting down"/)
  t.notMatch(proc.output(), /"level":(50|60)/, 'no error logged')
})

t.test('a bad configuration stops it with every problem named', async (t) => {
  const proc = start({ PORT: 'http', LOG_LEVEL: 'loud', JWT_SECRET: 'short' })
  t.equal(await proc.exited, 1)
  const out = proc.output()
  t.match(out, /invalid configuration: /)
  t.match(out, /PORT must be integer/)
  t.match(out, /LOG_LEVEL must be one of/)
  t.match(out, /JWT_SECRET must not have fewer than 32 characters/i)
})
