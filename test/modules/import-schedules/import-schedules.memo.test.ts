import { createHash } from 'node:crypto'
import { mkdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { importScheduleFiles } from '../../../src/modules/import-schedules/import-schedule-files.table.js'
import { imports } from '../../../src/modules/imports/imports.table.js'
import { startWorkers } from '../../../src/worker.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { openQueueEvents } from '../../fixtures/queue-events.js'
import { buildTestApp } from '../../helper.js'
import { createSchedule, getSchedule, runNow, tempDir } from './run-helpers.js'

// The memo of a folder schedule, with real workers and real files. Proof
// that a file is not read: its bytes are replaced by others of the same
// length, its mtime put back, and the run still counts the old checksum
// and starts no import (reading would have found new bytes).

const csv = (name: string) => `email,firstName,lastName\n${name}@example.com,${name},Test\n`
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
// Whole seconds, so that utimes puts back exactly the nanoseconds the memo holds.
const T1 = new Date('2026-01-02T03:04:05.000Z')
const T2 = new Date('2026-01-03T03:04:05.000Z')

t.test('a folder run skips, unread, the files it has seen', async (t) => {
  const importDir = await tempDir(t, 'crm-import-dir-')
  const app = await buildTestApp(t, { IMPORT_DIR: importDir, DATA_DIR: await tempDir(t, 'crm-data-dir-') })
  const workers = await startWorkers(app.deps, process.env.REDIS_URL as string)
  t.teardown(() => workers.close())
  const events = await openQueueEvents(t, app, 'imports')
  const ws = await createWorkspace(app)
  const folder = path.join(importDir, ws.workspaceId)
  await mkdir(folder, { recursive: true })
  const file = path.join(folder, 'memo-a.csv')
  const deliver = async (text: string, when: Date) => {
    await writeFile(file, text)
    await utimes(file, when, when)
  }
  const s = await createSchedule(ws, { source: { type: 'folder', pattern: 'memo-*.csv' }, isActive: false })
  const memo = () => app.deps.db.select().from(importScheduleFiles).where(eq(importScheduleFiles.scheduleId, s.id))
  const importsOf = () => app.deps.db.select().from(imports).where(eq(imports.scheduleId, s.id))

  await deliver(csv('ada'), T1)
  const first = await runNow(app, events, ws, s.id)
  t.match(first.result, { importsStarted: 1, unchangedSkipped: 0, imports: [{ read: true, duplicate: false }] })
  const [imported] = await importsOf()
  const inode = (await stat(file, { bigint: true })).ino
  t.same((await memo()).map((m) => [m.fileName, m.size, m.mtimeNs, m.inode, m.checksum, m.importId]), [
    ['memo-a.csv', csv('ada').length, String(T1.getTime() * 1_000_000), String(inode), sha256(csv('ada')), imported?.id]
  ], 'the run remembers the file as it read it')

  t.test('an unchanged file is counted as a duplicate without being read', async (t) => {
    await deliver(csv('bob'), T1)
    t.equal((await stat(file, { bigint: true })).ino, inode, 'rewritten in place: same inode, size and mtime')
    const second = await runNow(app, events, ws, s.id)
    t.equal(second.status, 'succeeded', second.error ?? '')
    t.match(second.result, {
      filesMatched: 1,
      importsStarted: 0,
      duplicatesSkipped: 1,
      unchangedSkipped: 1,
      errors: [],
      imports: [{
        fileName: 'memo-a.csv', importId: imported?.id, checksum: sha256(csv('ada')), duplicate: true, read: false
      }]
    })
    t.equal((await importsOf()).length, 1, 'the new bytes were never seen')
    t.match((await getSchedule(ws, s.id)).body.lastRun.counts, { duplicatesSkipped: 1, unchangedSkipped: 1 })
  })

  t.test('a file with another mtime is read and imported', async (t) => {
    await utimes(file, T2, T2)
    const third = await runNow(app, events, ws, s.id)
    t.match(third.result, {
      importsStarted: 1,
      unchangedSkipped: 0,
      imports: [{ fileName: 'memo-a.csv', checksum: sha256(csv('bob')), duplicate: false, read: true }]
    })
    t.same((await importsOf()).map((i) => i.checksum).sort(), [sha256(csv('ada')), sha256(csv('bob'))].sort())
    t.match(await memo(), [
      { fileName: 'memo-a.csv', checksum: sha256(csv('bob')), mtimeNs: String(T2.getTime() * 1e6) }
    ])
  })

  t.test('a new delivery under the same name, size and mtime is read: its inode differs', async (t) => {
    const part = path.join(folder, '.memo-a.csv.part')
    await writeFile(part, csv('cyd'))
    await utimes(part, T2, T2)
    await rename(part, file)
    const fourth = await runNow(app, events, ws, s.id)
    t.match(fourth.result, { importsStarted: 1, imports: [{ checksum: sha256(csv('cyd')), read: true }] })
    t.equal((await importsOf()).length, 3)
  })

  t.test('a file read again with bytes already imported is a duplicate by checksum, as before', async (t) => {
    await deliver(csv('ada'), T1)
    const fifth = await runNow(app, events, ws, s.id)
    t.match(fifth.result, {
      importsStarted: 0,
      duplicatesSkipped: 1,
      unchangedSkipped: 0,
      imports: [{ importId: imported?.id, duplicate: true, read: true }]
    })
    t.match(await memo(), [{ checksum: sha256(csv('ada')), importId: imported?.id }], 'and remembered')
  })

  t.test('a file gone from the folder is forgotten', async (t) => {
    await rm(file)
    const sixth = await runNow(app, events, ws, s.id)
    t.match(sixth.result, { filesMatched: 0, importsStarted: 0 })
    t.same(await memo(), [])
  })
})
