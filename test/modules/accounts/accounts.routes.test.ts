import t from 'tap'
import { buildTestApp } from '../../helper.js'
import { PROBLEM_CONTENT_TYPE } from '../../fixtures/problems.js'
import { createWorkspace } from '../../fixtures/workspaces.js'

t.test('accounts: create, read, list, update, delete', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)

  const created = await ws.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: {
      name: 'Acme',
      website: 'https://www.Acme.example/path',
      annualRevenue: '1250',
      billingAddress: { city: 'Berlin', country: 'DE' }
    }
  })
  t.equal(created.statusCode, 201, created.body)
  const account = created.json()
  t.equal(account.domain, 'acme.example')
  t.equal(account.annualRevenue, '1250.00')
  t.same(account.billingAddress, {
    street: null, city: 'Berlin', region: null, postalCode: null, country: 'DE'
  })
  t.equal(account.ownerId, ws.userId)
  t.equal(account.version, 1)
  t.equal(created.headers.location, `/v1/accounts/${account.id}`)
  t.equal(created.headers.etag, '"1"')

  const read = await ws.request({ method: 'GET', url: `/v1/accounts/${account.id}` })
  t.equal(read.statusCode, 200)
  t.same(read.json(), account)

  const patched = await ws.request({
    method: 'PATCH',
    url: `/v1/accounts/${account.id}`,
    payload: { phone: '+1 555 0100', website: null },
    headers: { 'if-match': '"1"' }
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().version, 2)
  t.equal(patched.json().domain, null)

  const stale = await ws.request({
    method: 'PATCH',
    url: `/v1/accounts/${account.id}`,
    payload: { phone: null },
    headers: { 'if-match': '"1"' }
  })
  t.equal(stale.statusCode, 412)
  t.equal(stale.headers['content-type'], PROBLEM_CONTENT_TYPE)

  const list = await ws.request({ method: 'GET', url: '/v1/accounts?limit=1' })
  t.equal(list.statusCode, 200, list.body)
  t.equal(list.json().data.length, 1)

  const removed = await ws.request({ method: 'DELETE', url: `/v1/accounts/${account.id}` })
  t.equal(removed.statusCode, 204)
  const gone = await ws.request({ method: 'GET', url: `/v1/accounts/${account.id}` })
  t.equal(gone.statusCode, 404)
  t.equal(gone.json().code, 'CRM_ACCOUNT_NOT_FOUND')
})
