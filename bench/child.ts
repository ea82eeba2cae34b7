import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

/**
 * Each server runs in a child process of its own, so that neither shares an
 * event loop with the load generator or with the other server. Parent and
 * child talk over the IPC channel: the child reports its port, answers CPU
 * readings and closes when asked.
 */

type ToChild = { type: 'cpu' } | { type: 'stop' }
type FromChild =
  | { type: 'ready', port: number }
  | { type: 'cpu', micros: number }
  | { type: 'failed', message: string }

const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000
const CPU_TIMEOUT_MS = 5_000

export interface ServerChild {
  name: string
  port: number
  /** user + system CPU the child has used since it started, in µs */
  cpuMicros: () => Promise<number>
  stop: () => Promise<void>
}

function once<T extends FromChild['type']> (
  child: ChildProcess,
  type: T,
  timeoutMs: number
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no ${type} message within ${timeoutMs} ms`)),
      timeoutMs
    )
    const onMessage = (message: FromChild) => {
      if (message.type === 'failed') done(new Error(message.message))
      else if (message.type === type) done(undefined, message as Extract<FromChild, { type: T }>)
    }
    const onExit = (code: number | null) =>
      done(new Error(`exited with ${code} before sending ${type}`))
    function done (err?: Error, message?: Extract<FromChild, { type: T }>) {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (err !== undefined) reject(err)
      else resolve(message as Extract<FromChild, { type: T }>)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/**
 * Starts `script` (a .ts file under bench/) through tsx and waits until it
 * listens. `options` reach the child as its one argument, JSON-encoded.
 */
export async function startChild (
  name: string,
  script: string,
  options: unknown,
  profileDir?: string
): Promise<ServerChild> {
  const path = fileURLToPath(new URL(script, import.meta.url))
  const flags = ['--import', 'tsx']
  if (profileDir !== undefined) {
    const dir = `${profileDir}/${name}`
    mkdirSync(dir, { recursive: true })
    flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  const child = spawn(process.execPath, [...flags, path, JSON.stringify(options)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const send = (message: ToChild) => { if (child.connected) child.send(message) }
  let stopping: Promise<void> | undefined

  const stop = () => (stopping ??= (async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    send({ type: 'stop' })
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  })())

  try {
    const { port } = await once(child, 'ready', READY_TIMEOUT_MS)
    return {
      name,
      port,
      async cpuMicros () {
        const answer = once(child, 'cpu', CPU_TIMEOUT_MS)
        send({ type: 'cpu' })
        return (await answer).micros
      },
      stop
    }
  } catch (err) {
    await stop()
    throw new Error(`${name} server did not start: ${(err as Error).message}`)
  }
}

/**
 * The child's side: listens on a random port of 127.0.0.1, then serves the
 * parent's requests until told to stop or orphaned. Exiting through
 * process.exit lets --cpu-prof write its profile.
 */
export interface ChildServer {
  app: FastifyInstance
  /** releases what the app does not close itself (pools, Redis) */
  close: () => Promise<void>
}

export async function serveInChild (build: () => Promise<ChildServer>) {
  const reply = (message: FromChild) => { if (process.connected) process.send?.(message) }
  let built: ChildServer | undefined
  let closing = false

  const shutdown = async (code: number) => {
    if (closing) return
    closing = true
    try {
      await built?.app.close()
      await built?.close()
    } finally {
      process.exit(code)
    }
  }

  process.on('message', (message: ToChild) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      reply({ type: 'cpu', micros: user + system })
    } else if (message.type === 'stop') {
      shutdown(0).catch(() => process.exit(1))
    }
  })
  // The parent died without stopping us: nobody will ever do so.
  process.on('disconnect', () => { shutdown(1).catch(() => process.exit(1)) })

  try {
    built = await build()
    await built.app.listen({ host: '127.0.0.1', port: 0 })
    const address = built.app.server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    reply({ type: 'ready', port: address.port })
  } catch (err) {
    reply({ type: 'failed', message: (err as Error).stack ?? String(err) })
    await shutdown(1)
  }
}

export function childOptions<T> (): T {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error('expected the options as the first argument')
  return JSON.parse(raw) as T
}
