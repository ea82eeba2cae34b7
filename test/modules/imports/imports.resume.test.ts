import { type ChildProcess, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { eq } from 'drizzle-orm'
import t from 'tap'
import type { AppDeps } from '../../../src/deps.js'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { importErrors, imports } from '../../../src/modules/imports/imports.table.js'
import { startWorkers } from '../../../src/worker.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { importApp, upload, waitForImport } from './imports.helpers.js'

/**
 * A worker that dies mid-file. Real worker processes (src/main.ts, ROLE
 * worker, this file's queue prefix) are killed with SIGKILL once some
 * batches have committed; a fresh one picks the stalled job up after its
 * lock expires and finishes the file from the byte offset the checkpoint
 * names (imports.resume-offset.test.ts shows it seeks there). A graceful shutdown stops between
 * batches and the job runs again. Either way the database ends with
 * exactly the file's valid rows, each once, and one error row per bad row.
 */

const ROWS = 12_000
const BATCH = 150

/** A contacts file whose every 50th row has a bad email; the expected outcome alongside. */
function contactsFile (tag: string) {
  const lines = ['lastName,firstName,email']
  const valid: string[] = []
  const failed: number[] = []
  for (let i = 1; i <= ROWS; i++) {
    const isBad = i % 50 === 0
    lines.push(`Row${i},${tag},${isBad ? 'not-an-email' : `row${i}.${tag}@example.com`}`)
    if (isBad) failed.push(i)
    else valid.push(`Row${i}`)
  }
  /** The byte offset in the file where row `n + 1` starts. */
  const offsetAfter = (n: number) => Buffer.byteLength(`${lines.slice(0, n + 1).join('\n')}\n`)
  return { content: `${lines.join('\n')}\n`, valid, failed, offsetAfter }
}

async function checkpoint (deps: AppDeps, importId: string) {
  const [row] = await deps.database.db
    .select({ rowsCommitted: imports.rowsCommitted, bytesCommitted: imports.bytesCommitted })
    .from(imports)
    .where(eq(imports.id, importId))
  return { rowsCommitted: row?.rowsCommitted ?? 0, bytesCommitted: row?.bytesCommitted ?? null }
}

async function committed (deps: AppDeps, importId: string): Promise<number> {
  return (await checkpoint(deps, importId)).rowsCommitted
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 15))
  }
}

/** What the database holds for the import, to compare with the file. */
async function outcome (deps: AppDeps, ws: TestWorkspace, importId: string) {
  const db = deps.database.db
  const written = await db.select({ lastName: contacts.lastName }).from(contacts).where(eq(contacts.workspaceId, ws.workspaceId))
  const errors = await db.select({ rowNumber: importErrors.rowNumber }).from(importErrors).where(eq(importErrors.importId, importId))
  return {
    names: written.map((r) => r.lastName).sort(),
    errorRows: errors.map((r) => r.rowNumber).sort((x, y) => x - y)
  }
}

t.test('resuming an import', async (t) => {
  const settings = { IMPORT_BATCH_ROWS: String(BATCH), WORKER_LOCK_MS: '2000' }
  const { app, deps, dataDir } = await importApp(t, settings, { worker: false })
  const children = new Set<ChildProcess>()
  t.teardown(() => { for (const child of children) child.kill('SIGKILL') })

  const spawnWorker = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        ROLE: 'worker',
        DATABASE_URL: deps.config.DATABASE_URL,
        REDIS_URL: deps.config.REDIS_URL,
        QUEUE_PREFIX: deps.queues.prefix,
        JWT_SECRET: deps.jwtSecret,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        SEED_DEMO: 'false',
        ...settings
      }
    })
    children.add(child)
    child.on('exit', () => children.delete(child))
    return child
  }

  t.test('a worker killed with SIGKILL mid-file: the next one finishes it, no row twice or lost', async (t) => {
    const ws = await createWorkspace(app, 'Resume after kill')
    const file = contactsFile('kill')
    const res = await upload(ws, { object: 'contacts' }, { name: 'big.csv', content: file.content })
    t.equal(res.statusCode, 202, res.body)
    const importId = res.json().id as string

    const first = spawnWorker()
    // Somewhere in the first half of the file, at a random batch.
    const killAt = BATCH * randomInt(1, Math.floor(ROWS / BATCH / 2))
    await until('the first batches', async () => (await committed(deps, importId)) >= killAt)
    first.kill('SIGKILL')
    await new Promise((resolve) => first.once('exit', resolve))
    const { rowsCommitted: atKill, bytesCommitted } = await checkpoint(deps, importId)
    t.ok(atKill > 0 && atKill < ROWS, `killed with ${atKill} of ${ROWS} rows committed`)
    t.equal(bytesCommitted, file.offsetAfter(atKill), 'the checkpoint names where the next row starts')

    spawnWorker()
    const done = await waitForImport(ws, importId, 90_000)
    t.match(done, {
      status: 'succeeded',
      rowsRead: ROWS,
      rowsCreated: file.valid.length,
      rowsFailed: file.failed.length,
      rowsSkipped: 0,
      rowsUpdated: 0
    })
    const found = await outcome(deps, ws, importId)
    t.equal(found.names.length, file.valid.length, 'as many contacts as valid rows')
    t.same(found.names, [...file.valid].sort(), 'exactly the valid rows, each once')
    t.same(found.errorRows, file.failed, 'one error per bad row')
  })

  t.test('a graceful shutdown stops between batches; the job runs again', async (t) => {
    const ws = await createWorkspace(app, 'Resume after shutdown')
    const file = contactsFile('stop')
    const firstWorkers = await startWorkers(deps, deps.config.REDIS_URL as string)
    const res = await upload(ws, { object: 'contacts' }, { name: 'big.csv', content: file.content })
    const importId = res.json().id as string
    await until('the first batches', async () => (await committed(deps, importId)) >= BATCH * 3)
    await firstWorkers.close()
    const atStop = await committed(deps, importId)
    t.ok(atStop < ROWS, `stopped with ${atStop} of ${ROWS} rows committed`)
    const [stopped] = await deps.database.db.select().from(imports).where(eq(imports.id, importId))
    t.equal(stopped?.status, 'running', 'the import waits for its next run')

    const again = await startWorkers(deps, deps.config.REDIS_URL as string)
    t.teardown(() => again.close())
    const done = await waitForImport(ws, importId, 60_000)
    t.match(done, { status: 'succeeded', rowsRead: ROWS, rowsCreated: file.valid.length, rowsFailed: file.failed.length })
    const found = await outcome(deps, ws, importId)
    t.same(found.names, [...file.valid].sort())
    t.same(found.errorRows, file.failed)
  })
})
