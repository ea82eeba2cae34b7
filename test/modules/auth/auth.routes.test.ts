import { createSigner } from 'fast-jwt'
import t from 'tap'
import { PROBLEM_CONTENT_TYPE } from '../../fixtures/problems.js'
import { createWorkspace, PASSWORD } from '../../fixtures/workspaces.js'
import { buildTestApp, TEST_JWT_SECRET } from '../../helper.js'

t.test('sign-up creates a workspace, its admin and a working token', async (t) => {
  const app = await buildTestApp(t)
  const email = `Founder-${Date.now()}-${Math.random()}@Example.com`
  const res = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: {
      workspaceName: 'Acme Sales', name: 'Ada', email, password: PASSWORD,
      currency: 'EUR', timezone: 'Europe/Berlin'
    }
  })
  t.equal(res.statusCode, 201, res.body)
  const body = res.json()
  t.equal(body.tokenType, 'Bearer')
  t.equal(body.expiresIn, 3600)
  t.equal(body.user.role, 'admin')
  t.equal(body.workspace.currency, 'EUR')
  t.equal(body.workspace.timezone, 'Europe/Berlin')
  t.match(body.workspace.slug, /^acme-sales-[0-9a-f]{6}$/)
  t.notOk('passwordHash' in body.user, 'no hash in the answer')

  const me = await app.inject({
    method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${body.accessToken}` }
  })
  t.equal(me.statusCode, 200)
  t.same(me.json(), {
    user: body.user, workspace: body.workspace, role: 'admin', credential: 'access_token'
  })

  const again = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { workspaceName: 'Other', name: 'Eve', email: email.toLowerCase(), password: PASSWORD }
  })
  t.equal(again.statusCode, 409, 'emails are unique across the system, ignoring case')
  t.equal(again.json().errors[0].pointer, '/email')
})

t.test('sign-up can be closed by configuration', async (t) => {
  const app = await buildTestApp(t, { SIGNUP_ENABLED: 'false' })
  const res = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: {
      workspaceName: 'X', name: 'X', email: `x-${Date.now()}@example.com`, password: PASSWORD
    }
  })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'CRM_FORBIDDEN')
})

t.test('sign-in with email and password', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const ok = await app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { email: ws.email.toUpperCase(), password: PASSWORD }
  })
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json().user.id, ws.userId)
  t.type(ok.json().user.lastSignInAt, 'string')

  for (const payload of [
    { email: ws.email, password: 'wrong password!' },
    { email: `nobody-${Date.now()}@example.com`, password: PASSWORD }
  ]) {
    const res = await app.inject({ method: 'POST', url: '/v1/auth/token', payload })
    t.equal(res.statusCode, 401)
    t.equal(
      res.json().detail,
      'the email or the password is wrong',
      'the same answer whichever part is wrong'
    )
  }
})

t.test('forged, expired, not-yet-valid and wrong-key tokens answer 401', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const claims = { sub: ws.userId, wid: ws.workspaceId, role: 'admin', typ: 'access' }
  const now = Math.floor(Date.now() / 1000)
  const sign = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256' })
  const base64url = (text: string) => Buffer.from(text).toString('base64url')
  const tokens: Record<string, string> = {
    'expired': sign({ ...claims, iat: now - 7200, exp: now - 3600 }),
    'not yet valid': sign({ ...claims, nbf: now + 3600 }),
    'wrong key': createSigner({ key: 'another-secret-that-is-also-long-enough-000000' })(claims),
    'tampered': `${ws.token.slice(0, -4)}AAAA`,
    'alg none':
      `${base64url('{"alg":"none","typ":"JWT"}')}.${base64url(JSON.stringify(claims))}.`,
    'not a refresh of claims': sign({
      sub: ws.userId, wid: ws.workspaceId, role: 'superuser', typ: 'access'
    }),
    'garbage': 'abc.def.ghi',
    'unknown api key': 'crm_thisisnotakeythatexists0000000000000000000'
  }
  for (const [name, token] of Object.entries(tokens)) {
    const res = await app.inject({
      method: 'GET', url: '/v1/accounts', headers: { authorization: `Bearer ${token}` }
    })
    t.equal(res.statusCode, 401, `${name}: 401`)
    t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE, `${name}: problem`)
    t.equal(res.json().code, 'CRM_UNAUTHORIZED', `${name}: code`)
  }
  for (const header of ['Basic abc', 'Bearer', 'bearer x y', ws.token]) {
    const res = await app.inject({
      method: 'GET', url: '/v1/accounts', headers: { authorization: header }
    })
    t.equal(res.statusCode, 401, `header "${header.slice(0, 12)}": 401`)
  }
})

t.test('a token never reaches another workspace', async (t) => {
  const app = await buildTestApp(t)
  const a = await createWorkspace(app)
  const b = await createWorkspace(app)
  const created = await a.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Only A' }
  })
  const id = created.json().id
  t.equal((await b.request({ method: 'GET', url: `/v1/accounts/${id}` })).statusCode, 404)
  const listB = await b.request({ method: 'GET', url: '/v1/accounts' })
  t.same(listB.json().data, [])
})
