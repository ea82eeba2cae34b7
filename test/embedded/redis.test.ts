import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { pingRedis, resolveRedis, spawnRedisServer } from '../../src/embedded/redis.js'

const logger = pino({ level: 'silent' })

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-redis-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('resolveRedis returns a redis that answers PING', async (t) => {
  const redis = await resolveRedis({ dataDir: await tempDir(t), logger })
  t.teardown(redis.stop)
  t.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/)
  t.equal(await pingRedis(redis.url), true)
})

t.test('spawnRedisServer runs a child redis-server until stopped', async (t) => {
  const redis = await spawnRedisServer({ dataDir: await tempDir(t), logger })
  t.teardown(redis.stop)
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`)
  t.not(redis.port, 6379, 'a free port, not the default one')
  t.equal(await pingRedis(redis.url), true, 'answers PING')
  t.equal(alive(redis.pid), true, 'child is running')

  await redis.stop()
  t.equal(await pingRedis(redis.url), false, 'no longer answers')
  t.equal(alive(redis.pid), false, 'child is gone')
  await redis.stop()
  t.pass('stop can be called twice')
})

t.test('spawnRedisServer says how to get redis when there is none', async (t) => {
  const path = process.env.PATH
  t.teardown(() => { process.env.PATH = path })
  process.env.PATH = ''
  await t.rejects(
    spawnRedisServer({ dataDir: await tempDir(t), logger }),
    /REDIS_URL.*apt-get install redis-server/s
  )
})

t.test('pingRedis is false quickly when nothing listens', async (t) => {
  const begin = Date.now()
  t.equal(await pingRedis('redis://127.0.0.1:1', 300), false)
  t.ok(Date.now() - begin < 1000)
})
