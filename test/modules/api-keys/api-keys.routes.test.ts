import t from 'tap'
import { createUser, createWorkspace } from '../../fixtures/workspaces.js'
import { as, buildTestApp } from '../../helper.js'

t.test('an API key works as a bearer token until revoked', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const created = await ws.request({
    method: 'POST', url: '/v1/api-keys', payload: { name: 'Website form', role: 'marketing' }
  })
  t.equal(created.statusCode, 201, created.body)
  const { apiKey, secret } = created.json()
  t.match(secret, /^crm_[A-Za-z0-9_-]{43}$/)
  t.equal(apiKey.prefix, secret.slice(0, 10))
  t.equal(apiKey.role, 'marketing')
  t.equal(apiKey.revokedAt, null)
  t.equal(created.headers.location, `/v1/api-keys/${apiKey.id}`)

  const key = as(app, secret)
  const me = await key({ method: 'GET', url: '/v1/me' })
  t.equal(me.statusCode, 200)
  t.equal(me.json().credential, 'api_key')
  t.equal(me.json().role, 'marketing')

  const lead = await key({ method: 'GET', url: '/v1/leads' })
  t.equal(lead.statusCode, 200, 'marketing reads leads')
  const account = await key({ method: 'POST', url: '/v1/accounts', payload: { name: 'Nope' } })
  t.equal(account.statusCode, 403, 'marketing may not write accounts')
  t.equal(account.json().code, 'CRM_FORBIDDEN')
  const keys = await key({ method: 'GET', url: '/v1/api-keys' })
  t.equal(keys.statusCode, 403, 'only admins manage keys')

  const listed = await ws.request({ method: 'GET', url: '/v1/api-keys' })
  t.equal(listed.json().data.length, 1)
  t.notOk(JSON.stringify(listed.json()).includes(secret), 'the secret is never shown again')
  t.type(listed.json().data[0].lastUsedAt, 'string', 'use is recorded')

  const revoked = await ws.request({ method: 'DELETE', url: `/v1/api-keys/${apiKey.id}` })
  t.equal(revoked.statusCode, 204)
  const after = await key({ method: 'GET', url: '/v1/me' })
  t.equal(after.statusCode, 401)
  t.equal(after.json().detail, 'the API key has been revoked')
  const again = await ws.request({ method: 'DELETE', url: `/v1/api-keys/${apiKey.id}` })
  t.equal(again.statusCode, 204, 'revoking twice is harmless')
})

t.test('expired keys and keys of deactivated users answer 401', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const past = await ws.request({
    method: 'POST',
    url: '/v1/api-keys',
    payload: { name: 'x', role: 'readonly', expiresAt: '2000-01-01T00:00:00.000Z' }
  })
  t.equal(past.statusCode, 400, 'expiry must be in the future')
  t.equal(past.json().errors[0].pointer, '/expiresAt')

  const soon = await ws.request({
    method: 'POST',
    url: '/v1/api-keys',
    payload: { name: 'x', role: 'readonly', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }
  })
  t.equal(soon.statusCode, 201)
  const key = as(app, soon.json().secret)
  t.equal((await key({ method: 'GET', url: '/v1/me' })).statusCode, 200)
  // Its hour passes in the database, not in a sleep: no timing in a test.
  await app.deps.database.pool.query(
    "update api_keys set expires_at = now() - interval '1 second' where id = $1",
    [soon.json().apiKey.id]
  )
  const expired = await key({ method: 'GET', url: '/v1/me' })
  t.equal(expired.statusCode, 401)
  t.equal(expired.json().detail, 'the API key has expired')

  const second = await createUser(app, ws, 'admin')
  const made = await second.request({
    method: 'POST', url: '/v1/api-keys', payload: { name: 'y', role: 'manager' }
  })
  const keyOfSecond = as(app, made.json().secret)
  t.equal((await keyOfSecond({ method: 'GET', url: '/v1/me' })).statusCode, 200)
  await ws.request({ method: 'PATCH', url: `/v1/users/${second.id}`, payload: { isActive: false } })
  const orphan = await keyOfSecond({ method: 'GET', url: '/v1/me' })
  t.equal(orphan.statusCode, 401)
  t.equal(orphan.json().detail, 'the API key belongs to a deactivated user')

  const manager = await createUser(app, ws, 'manager')
  const byManager = await manager.request({
    method: 'POST', url: '/v1/api-keys', payload: { name: 'z', role: 'readonly' }
  })
  t.equal(byManager.statusCode, 403, 'managers do not manage API keys')
})

t.test('another workspace\'s keys do not exist for the caller', async (t) => {
  const app = await buildTestApp(t)
  const a = await createWorkspace(app)
  const b = await createWorkspace(app)
  const created = await a.request({
    method: 'POST', url: '/v1/api-keys', payload: { name: 'A', role: 'readonly' }
  })
  const id = created.json().apiKey.id
  t.equal((await b.request({ method: 'GET', url: `/v1/api-keys/${id}` })).statusCode, 404)
  t.equal((await b.request({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode, 404)
  t.same((await b.request({ method: 'GET', url: '/v1/api-keys' })).json().data, [])
  const keyOfA = as(app, created.json().secret)
  t.equal((await keyOfA({ method: 'GET', url: '/v1/me' })).statusCode, 200, 'still valid')
})
