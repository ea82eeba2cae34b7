import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { pino } from 'pino'
import t from 'tap'
import { startEmbeddedPostgres } from '../../src/embedded/postgres.js'

const logger = pino({ level: 'silent' })

async function query (url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

t.test('embedded postgres keeps its data across restarts', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-pg-'))
  const running: Array<() => Promise<void>> = []
  t.teardown(async () => {
    for (const stop of running) await stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  const first = await startEmbeddedPostgres({ dataDir, logger })
  running.push(first.stop)
  const url = new URL(first.url)
  t.equal(url.protocol, 'postgres:')
  t.equal(url.hostname, '127.0.0.1')
  t.equal(url.username, 'postgres')
  t.equal(url.pathname, '/crm')
  const password = (await readFile(join(dataDir, 'postgres-password'), 'utf8')).trim()
  t.equal(decodeURIComponent(url.password), password, 'password comes from dataDir')
  t.equal((await stat(join(dataDir, 'postgres-password'))).mode & 0o777, 0o600)

  const one = await query(first.url, 'select 1 as one')
  t.same(one.rows, [{ one: 1 }])
  await query(first.url, 'create table kept (id int primary key)')
  await query(first.url, 'insert into kept values (42)')
  await first.stop()
  await t.rejects(query(first.url, 'select 1'), 'server is down after stop')

  const second = await startEmbeddedPostgres({ dataDir, logger })
  running.push(second.stop)
  t.equal(second.url, first.url, 'same password and port on restart')
  const kept = await query(second.url, 'select id from kept')
  t.same(kept.rows, [{ id: 42 }], 'table from the first run is still there')
  const encoding = await query(second.url, 'show server_encoding')
  t.same(encoding.rows, [{ server_encoding: 'UTF8' }])
  await second.stop()
})
