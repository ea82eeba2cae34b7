import { type ChildProcess, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdir } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'

export interface LocalService {
  url: string
  stop: () => Promise<void>
}

const DEFAULT_URL = 'redis://127.0.0.1:6379'
const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000

/**
 * Finds a Redis for local use: the one on 127.0.0.1:6379 when it answers,
 * otherwise a child `redis-server` on a free loopback port.
 */
export async function resolveRedis (opts: {
  dataDir: string
  logger: Logger
}): Promise<LocalService> {
  if (await pingRedis(DEFAULT_URL)) {
    opts.logger.info({ url: DEFAULT_URL }, 'using local redis')
    return { url: DEFAULT_URL, stop: async () => {} }
  }
  return spawnRedisServer(opts)
}

/** True when the Redis at `url` answers PING within `timeoutMs`. */
export async function pingRedis (url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // Its timer outlives a refused connection and would hold the process open for 2 s.
    disconnectTimeout: 100
  })
  // Without a listener a refused connection is reported as an unhandled error event.
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/**
 * Starts `redis-server` as a child on a free 127.0.0.1 port, in memory only.
 * The child is tied to this process: it is killed when this process exits,
 * however that happens.
 */
export async function spawnRedisServer (opts: {
  dataDir: string
  logger: Logger
  bin?: string
}): Promise<LocalService & { pid: number, port: number }> {
  const { logger } = opts
  const bin = opts.bin ?? await findExecutable('redis-server')
  if (bin === undefined) {
    throw new Error(
      'no Redis available: nothing answers on 127.0.0.1:6379 and redis-server is not on the ' +
      'PATH. Set REDIS_URL to a running Redis, or install redis-server ' +
      '(e.g. apt-get install redis-server)'
    )
  }
  const dir = resolve(opts.dataDir)
  await mkdir(dir, { recursive: true })

  // A free port can be taken by someone else before redis binds it, so retry a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const started = Date.now()
    const child = spawn(bin, [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      '--dir', dir
    ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const output = collectOutput(child, logger, 'redis-server')
    const release = killWithParent(child, 'SIGTERM')
    // 'error' instead of 'exit' when the binary could not be started at all.
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.once('error', (err) => {
        logger.error({ err }, 'redis-server failed')
        resolve()
      })
    })

    const url = `redis://127.0.0.1:${port}`
    const up = await waitFor(() => pingRedis(url, 250), exited, START_TIMEOUT_MS)
    if (up) {
      const pid = child.pid as number
      logger.info({ port, childPid: pid, ms: Date.now() - started }, 'redis-server started')
      let stopping: Promise<void> | undefined
      child.once('exit', (code, signal) => {
        if (stopping === undefined) logger.error({ code, signal }, 'redis-server exited')
      })
      const stop = (): Promise<void> => {
        stopping ??= stopChild(child, ['SIGTERM', 'SIGKILL']).finally(release)
        return stopping
      }
      return { url, pid, port, stop }
    }

    await stopChild(child, ['SIGKILL'])
    release()
    const text = output()
    if (/address already in use/i.test(text) && attempt < 3) {
      logger.warn({ port, attempt }, 'redis port taken, retrying')
      continue
    }
    throw new Error(`redis-server did not start on port ${port}: ${text || 'no output'}`)
  }
}

/** Resolves the first executable called `name` on the PATH. */
export async function findExecutable (name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** A loopback port nobody listens on right now. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not determine a free port'))
      })
    })
  })
}

async function waitFor (
  check: () => Promise<boolean>,
  exited: Promise<void>,
  timeoutMs: number
): Promise<boolean> {
  let gone = false
  void exited.then(() => { gone = true })
  const deadline = Date.now() + timeoutMs
  while (!gone && Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return false
}

function collectOutput (child: ChildProcess, logger: Logger, name: string): () => string {
  let tail = ''
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8')
    tail = (tail + text).slice(-4000)
    for (const line of text.split('\n')) {
      if (line.trim() !== '') logger.debug({ out: line.trimEnd() }, `${name} output`)
    }
  }
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', onData)
    // The server must not keep this process alive on its own; stop() or exit ends it.
    ;(stream as Socket | null)?.unref()
  }
  child.unref()
  return () => tail.trim()
}

/**
 * Sends each signal in turn until the child exits, waiting up to `timeoutMs`
 * after each one.
 */
export async function stopChild (
  child: ChildProcess,
  signals: NodeJS.Signals[],
  timeoutMs = STOP_TIMEOUT_MS
): Promise<void> {
  if (child.pid === undefined) return
  for (const signal of signals) {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)))
    child.kill(signal)
    const timer = new AbortController()
    const done = await Promise.race([
      exited,
      sleep(timeoutMs, false, { signal: timer.signal }).catch(() => false)
    ])
    timer.abort()
    if (done) return
  }
}

/**
 * Makes sure `child` does not outlive this process. The exit hook covers
 * normal exits; the watchdog covers SIGKILL and crashes: its stdin is a pipe
 * only this process holds, so it reads EOF however this process dies.
 * Returns a function that removes both.
 */
export function killWithParent (child: ChildProcess, signal: NodeJS.Signals): () => void {
  const pid = child.pid
  if (pid === undefined) return () => {}
  const onExit = (): void => { child.kill(signal) }
  process.on('exit', onExit)
  let watchdog: ChildProcess | undefined
  if (process.platform !== 'win32') {
    watchdog = spawn('/bin/sh', [
      '-c', 'read _ ; kill -s "$1" "$2" 2>/dev/null', 'watchdog', signal.slice(3), String(pid)
    ], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
    watchdog.on('error', () => {})
    watchdog.unref()
    ;(watchdog.stdin as Socket | null)?.unref()
  }
  const release = (): void => {
    process.removeListener('exit', onExit)
    // Killed rather than told, so that it cannot signal a reused pid later.
    watchdog?.kill('SIGKILL')
  }
  child.once('exit', release)
  return release
}
