import t from 'tap'
import { createUser, createWorkspace, PASSWORD } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

t.test('admins manage users; others may only read them', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const sales = await createUser(app, ws, 'sales')

  const list = await sales.request({ method: 'GET', url: '/v1/users?sort=name' })
  t.equal(list.statusCode, 200)
  t.equal(list.json().data.length, 2)
  const denied = await sales.request({
    method: 'POST',
    url: '/v1/users',
    payload: { email: 'x@example.com', name: 'X', role: 'admin', password: PASSWORD }
  })
  t.equal(denied.statusCode, 403)

  const promoted = await ws.request({
    method: 'PATCH', url: `/v1/users/${sales.id}`, payload: { role: 'manager' }
  })
  t.equal(promoted.statusCode, 200)
  t.equal(promoted.json().role, 'manager')

  const deactivated = await ws.request({
    method: 'PATCH', url: `/v1/users/${sales.id}`, payload: { isActive: false }
  })
  t.equal(deactivated.json().isActive, false)
  const email = (await ws.request({ method: 'GET', url: `/v1/users/${sales.id}` })).json().email
  const signIn = await app.inject({
    method: 'POST', url: '/v1/auth/token', payload: { email, password: PASSWORD }
  })
  t.equal(signIn.statusCode, 401, 'a deactivated user cannot sign in')

  const owner = await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'A', ownerId: sales.id }
  })
  t.equal(owner.statusCode, 422, 'an inactive user cannot own records')
  t.equal(owner.json().errors[0].pointer, '/ownerId')
})

t.test('the last active admin cannot be demoted or deactivated', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const demote = await ws.request({
    method: 'PATCH', url: `/v1/users/${ws.userId}`, payload: { role: 'sales' }
  })
  t.equal(demote.statusCode, 409)
  const off = await ws.request({
    method: 'PATCH', url: `/v1/users/${ws.userId}`, payload: { isActive: false }
  })
  t.equal(off.statusCode, 409)
  await createUser(app, ws, 'admin')
  const now = await ws.request({
    method: 'PATCH', url: `/v1/users/${ws.userId}`, payload: { role: 'sales' }
  })
  t.equal(now.statusCode, 200, 'with a second admin it is allowed')
})

t.test('users of another workspace do not exist', async (t) => {
  const app = await buildTestApp(t)
  const a = await createWorkspace(app)
  const b = await createWorkspace(app)
  t.equal((await b.request({ method: 'GET', url: `/v1/users/${a.userId}` })).statusCode, 404)
  const renamed = await b.request({
    method: 'PATCH', url: `/v1/users/${a.userId}`, payload: { name: 'x' }
  })
  t.equal(renamed.statusCode, 404)
  const ownerOfA = await b.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'B', ownerId: a.userId }
  })
  t.equal(ownerOfA.statusCode, 422, 'a user of another workspace is refused like an unknown id')
})
