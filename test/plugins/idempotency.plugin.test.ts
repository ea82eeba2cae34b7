import t from 'tap'
import { createWorkspace } from '../fixtures/workspaces.js'
import { buildTestApp } from '../helper.js'

t.test('a retry with the same key replays the first answer', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const send = (payload: object, key = 'key-1') =>
    ws.request({
      method: 'POST', url: '/v1/accounts', payload, headers: { 'idempotency-key': key }
    })

  const first = await send({ name: 'Once' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['idempotent-replayed'], undefined)

  const retry = await send({ name: 'Once' })
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.body, first.body, 'the same body')
  t.equal(retry.headers.location, first.headers.location)
  t.equal(retry.headers.etag, first.headers.etag)
  t.match(retry.headers['content-type'], /^application\/json/)

  const list = await ws.request({ method: 'GET', url: '/v1/accounts' })
  t.equal(list.json().data.length, 1, 'created once')

  const other = await send({ name: 'Different' })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'CRM_IDEMPOTENCY_KEY_REUSED')

  const fresh = await send({ name: 'Different' }, 'key-2')
  t.equal(fresh.statusCode, 201)
  t.equal((await ws.request({ method: 'GET', url: '/v1/accounts' })).json().data.length, 2)
})

t.test('keys are per credential and refusals are replayed too', async (t) => {
  const app = await buildTestApp(t)
  const a = await createWorkspace(app)
  const b = await createWorkspace(app)
  const headers = { 'idempotency-key': 'shared' }
  const ra = await a.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'A' }, headers
  })
  const rb = await b.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'A' }, headers
  })
  t.equal(ra.statusCode, 201)
  t.equal(rb.statusCode, 201)
  t.not(ra.json().id, rb.json().id, 'another caller\'s key is another key')

  const bad = { name: 'x', ownerId: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11' }
  const first = await a.request({
    method: 'POST', url: '/v1/accounts', payload: bad, headers: { 'idempotency-key': 'bad' }
  })
  t.equal(first.statusCode, 422)
  const again = await a.request({
    method: 'POST', url: '/v1/accounts', payload: bad, headers: { 'idempotency-key': 'bad' }
  })
  t.equal(again.statusCode, 422)
  t.equal(again.headers['idempotent-replayed'], 'true')
})

t.test('a retry while the first request runs answers 409', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  // Hold the first request inside its transaction by locking the table it writes.
  const client = await app.deps.database.pool.connect()
  await client.query('begin')
  await client.query('lock table accounts in exclusive mode')
  const headers = { 'idempotency-key': 'slow' }
  const first = ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Slow' }, headers
  })
  // Wait until the first request holds the key (bounded), however slow the machine.
  for (let i = 0; i < 200; i++) {
    const held = await app.deps.database.pool.query(
      "select 1 from idempotency_keys where key = 'slow' and state = 'running' and workspace_id = $1",
      [ws.workspaceId]
    )
    if (held.rowCount === 1) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const second = await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Slow' }, headers
  })
  t.equal(second.statusCode, 409)
  t.equal(second.json().code, 'CRM_IDEMPOTENCY_IN_PROGRESS')
  await client.query('rollback')
  client.release()
  t.equal((await first).statusCode, 201)
})

t.test('the key must be 1 to 255 characters', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const res = await ws.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: { name: 'x' },
    headers: { 'idempotency-key': 'k'.repeat(256) }
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errors[0].pointer, 'idempotency-key')
})
