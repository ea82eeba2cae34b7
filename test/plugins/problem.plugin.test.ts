import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { PROBLEM_CONTENT_TYPE } from '../fixtures/problems.js'
import { createWorkspace } from '../fixtures/workspaces.js'
import { buildTestApp } from '../helper.js'

t.test('every refusal before a route runs is problem+json', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const auth = { authorization: `Bearer ${ws.token}` }

  const cases: {
    name: string, status: number, code: string, res: () => Promise<LightMyRequestResponse>
  }[] = [
    {
      name: 'unknown route',
      status: 404,
      code: 'CRM_ROUTE_NOT_FOUND',
      res: () => app.inject({ method: 'GET', url: '/v1/nothing-here', headers: auth })
    },
    {
      name: 'malformed JSON',
      status: 400,
      code: 'CRM_BAD_REQUEST',
      res: () => app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"name": '
      })
    },
    {
      name: 'wrong content type',
      status: 415,
      code: 'CRM_UNSUPPORTED_MEDIA_TYPE',
      res: () => app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: { ...auth, 'content-type': 'text/plain' },
        payload: 'name=x'
      })
    },
    {
      name: 'body too large',
      status: 413,
      code: 'CRM_PAYLOAD_TOO_LARGE',
      res: () => app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(1_100_000) })
      })
    },
    {
      name: 'bad percent-encoding',
      status: 400,
      code: 'CRM_BAD_REQUEST',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts/%E0%A4%A', headers: auth })
    },
    {
      name: 'over-long path parameter',
      status: 414,
      code: 'CRM_URI_TOO_LONG',
      res: () => app.inject({
        method: 'GET', url: `/v1/accounts/${'a'.repeat(500)}`, headers: auth
      })
    },
    {
      name: 'malformed id',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts/not-a-uuid', headers: auth })
    },
    {
      name: 'limit=Infinity',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?limit=Infinity', headers: auth })
    },
    {
      name: 'limit=1e400',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?limit=1e400', headers: auth })
    },
    {
      name: 'limit over 200',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?limit=201', headers: auth })
    },
    {
      name: 'numberOfEmployeesMin=1e400',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({
        method: 'GET', url: '/v1/accounts?numberOfEmployeesMin=1e400', headers: auth
      })
    },
    {
      name: 'unknown query parameter',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?colour=red', headers: auth })
    },
    {
      name: 'unknown sort field',
      status: 400,
      code: 'CRM_VALIDATION_ERROR',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?sort=-colour', headers: auth })
    },
    {
      name: 'forged cursor',
      status: 400,
      code: 'CRM_BAD_REQUEST',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts?cursor=bm9wZQ', headers: auth })
    },
    {
      name: 'empty JSON body',
      status: 400,
      code: 'CRM_BAD_REQUEST',
      res: () => app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: ''
      })
    },
    {
      name: 'no credentials',
      status: 401,
      code: 'CRM_UNAUTHORIZED',
      res: () => app.inject({ method: 'GET', url: '/v1/accounts' })
    }
  ]

  for (const c of cases) {
    const res = await c.res()
    t.equal(res.statusCode, c.status, `${c.name}: status`)
    t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE, `${c.name}: content type`)
    const body = res.json()
    t.equal(body.code, c.code, `${c.name}: code`)
    t.equal(body.status, c.status, `${c.name}: status in body`)
    t.match(body.type, /^\/problems\/[a-z-]+$/, `${c.name}: type`)
    t.type(body.title, 'string', `${c.name}: title`)
    t.type(body.detail, 'string', `${c.name}: detail`)
    t.type(body.instance, 'string', `${c.name}: instance`)
    t.equal(body.requestId, res.headers['x-request-id'], `${c.name}: request id`)
  }
})

t.test('a validation problem points at every field', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const res = await ws.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: { website: 'not a url', colour: 'red', id: '3f0e0c8e-6b7a-4d4c-9a43-2f1a8f3b9c11' }
  })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.same(body, {
    type: '/problems/validation-error',
    title: 'Validation error',
    status: 400,
    detail: body.detail,
    instance: '/v1/accounts',
    code: 'CRM_VALIDATION_ERROR',
    requestId: res.headers['x-request-id'],
    errors: body.errors
  })
  const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort()
  t.same(pointers, ['/colour', '/id', '/name', '/website'])
  const messageAt = (pointer: string) =>
    body.errors.find((e: { pointer: string }) => e.pointer === pointer).message
  t.equal(messageAt('/colour'), 'is not a known property')
  t.equal(messageAt('/name'), 'is required')
})

t.test('a 500 reveals nothing but the request id', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  // A closed pool makes every query fail inside the handler.
  await app.deps.database.close()
  const res = await ws.request({ method: 'GET', url: '/v1/accounts' })
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE)
  const body = res.json()
  t.same(body, {
    type: '/problems/internal-error',
    title: 'Internal error',
    status: 500,
    detail: 'An unexpected error occurred',
    instance: '/v1/accounts',
    code: 'CRM_INTERNAL_ERROR',
    requestId: res.headers['x-request-id']
  })
})

t.test('the caller\'s sane request id is echoed, a hostile one replaced', async (t) => {
  const app = await buildTestApp(t)
  const sane = await app.inject({
    method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' }
  })
  t.equal(sane.headers['x-request-id'], 'abc-123')
  const hostile = await app.inject({
    method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a b\u0000<script>' }
  })
  t.not(hostile.headers['x-request-id'], 'a b\u0000<script>')
  t.match(hostile.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('CORS allows the configured origins and exposes the documented headers', async (t) => {
  const app = await buildTestApp(t)
  const allowed = await app.inject({
    method: 'OPTIONS',
    url: '/v1/accounts',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' }
  })
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
  const simple = await app.inject({
    method: 'GET', url: '/health/live', headers: { origin: 'https://app.example.com' }
  })
  t.match(String(simple.headers['access-control-expose-headers']), /ETag.*Location.*X-Request-Id/)
  const other = await app.inject({
    method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' }
  })
  t.equal(other.headers['access-control-allow-origin'], undefined)
})

t.test('operators get Swagger UI, the OpenAPI document and metrics', async (t) => {
  const app = await buildTestApp(t)
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  const spec = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(spec.statusCode, 200)
  t.equal(spec.json().openapi, '3.1.0')
  await app.inject({ method: 'GET', url: '/v1/accounts' })
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, /http_request_duration_seconds_bucket\{[^}]*route="\/v1\/accounts"/)
  t.match(metrics.body, /process_cpu_seconds_total/)
})

t.test('hostile bodies answer 4xx, not 5xx', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const post = (payload: string) =>
    ws.request({ method: 'POST', url: '/v1/accounts', payload, headers: { 'content-type': 'application/json' } })

  const deep = await post(`{"name": ${'['.repeat(400_000)}${']'.repeat(400_000)}}`)
  t.equal(deep.statusCode, 400, 'a value nested 400,000 levels deep')
  t.equal(deep.json().code, 'CRM_VALIDATION_ERROR')

  const nul = await post('{"name": "a\\u0000b"}')
  t.equal(nul.statusCode, 400, 'a NUL character')
  t.same(nul.json().errors, [{ pointer: '/name', message: 'must not contain NUL characters' }])

  const proto = await post('{"name": "x", "__proto__": {"isAdmin": true}}')
  t.equal(proto.statusCode, 400, 'prototype poisoning')
  t.equal(proto.headers['content-type'], PROBLEM_CONTENT_TYPE)

  const list = (await ws.request({ method: 'GET', url: '/v1/accounts' })).json()
  t.same(list.data, [], 'nothing was written')
})

t.test('requests the HTTP parser refuses still get problem+json', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${port}/v1/accounts?q=${'x'.repeat(40_000)}`)
  t.equal(res.status, 431)
  t.equal(res.headers.get('content-type'), PROBLEM_CONTENT_TYPE)
  const body = await res.json() as { code: string, requestId: string }
  t.equal(body.code, 'CRM_HEADERS_TOO_LARGE')
  t.equal(body.requestId, res.headers.get('x-request-id'))
})
