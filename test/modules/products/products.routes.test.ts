import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { cases } from '../../../src/modules/cases/cases.table.js'
import { buildTestApp, type Response } from '../../helper.js'
import { walkList } from '../../fixtures/lists.js'
import { assertFullProblem, PROBLEM_CONTENT_TYPE } from '../../fixtures/problems.js'
import { createProduct } from '../../fixtures/products.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis. Cases belong to another module; the one that
// refers to a product is inserted straight into its table, so these tests
// depend on the table only, not on that module's routes.

type Caller = Pick<TestWorkspace, 'request'>
type Headers = Record<string, string>
const post = (who: Caller, payload: Record<string, unknown>) =>
  who.request({ method: 'POST', url: '/v1/products', payload })
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const patch = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'PATCH', url, payload, headers })
const del = (who: Caller, url: string, headers: Headers = {}) =>
  who.request({ method: 'DELETE', url, headers })

async function createAccount (ws: TestWorkspace, type: string | null = 'vendor') {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name: 'Widgets & Co.', type } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().id as string
}

async function seedCase (app: FastifyInstance, ws: TestWorkspace, productId: string) {
  const due = new Date(Date.now() + 86_400_000)
  const [row] = await app.deps.db.insert(cases).values({
    workspaceId: ws.workspaceId,
    number: 1,
    subject: 'Widget broken',
    productId,
    firstResponseDueAt: due,
    resolutionDueAt: due
  }).returning()
  return (row as { id: string }).id
}

const ids = (res: Response) => res.json().data.map((p: { id: string }) => p.id)

t.test('products', async (t) => {
  const app = await buildTestApp(t)

  t.test('creates with defaults', async (t) => {
    const ws = await createWorkspace(app)
    const res = await post(ws, { name: 'Widget' })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const p = res.json()
    t.equal(res.headers.location, `/v1/products/${p.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same(p, {
      id: p.id,
      name: 'Widget',
      currency: 'EUR',
      isActive: true,
      isTaxable: true,
      sku: null,
      description: null,
      unitPrice: null,
      cost: null,
      vendorAccountId: null,
      vendorName: null,
      category: null,
      unitOfMeasure: null,
      createdAt: p.createdAt,
      updatedAt: p.createdAt,
      version: 1
    })
    const read = await get(ws, `/v1/products/${p.id}`)
    t.equal(read.statusCode, 200)
    t.equal(read.headers.etag, '"1"')
    t.same(read.json(), p)
  })

  t.test('round-trips every writable field', async (t) => {
    const ws = await createWorkspace(app)
    const payload = {
      name: 'Widget Pro 3000',
      sku: 'WP-3000',
      description: 'Stainless steel, 3 kW',
      unitPrice: '1499',
      currency: 'USD',
      cost: '820.5',
      vendorAccountId: await createAccount(ws),
      category: 'Hardware',
      unitOfMeasure: 'piece',
      isActive: false,
      isTaxable: false
    }
    const res = await post(ws, payload)
    t.equal(res.statusCode, 201, res.body)
    const p = res.json()
    t.same(p, {
      ...payload,
      id: p.id,
      unitPrice: '1499.00',
      cost: '820.50',
      vendorName: null,
      createdAt: p.createdAt,
      updatedAt: p.createdAt,
      version: 1
    })
    t.same((await get(ws, `/v1/products/${p.id}`)).json(), p)

    const named = await createProduct(ws, { vendorName: 'Gadgets Ltd' })
    t.match(named, { vendorName: 'Gadgets Ltd', vendorAccountId: null })
  })

  t.test('sku is unique per workspace, ignoring case', async (t) => {
    const ws = await createWorkspace(app)
    const first = await createProduct(ws, { sku: 'ABC-1' })

    let res = await post(ws, { name: 'Copy', sku: 'abc-1' })
    let body = assertFullProblem(t, res, 409, 'CRM_PRODUCT_SKU_TAKEN')
    t.same(body.errors, [{ pointer: '/sku', message: 'another product already has this SKU' }])
    t.match(body.detail, 'abc-1')

    const second = await createProduct(ws, { sku: 'XYZ-9' })
    res = await patch(ws, `/v1/products/${second.id}`, { sku: 'Abc-1' })
    body = assertFullProblem(t, res, 409, 'CRM_PRODUCT_SKU_TAKEN')
    t.equal(body.errors[0].pointer, '/sku')
    t.same((await get(ws, `/v1/products/${second.id}`)).json(), second)

    res = await patch(ws, `/v1/products/${first.id}`, { sku: 'abc-1' })
    t.equal(res.statusCode, 200, 'a product may change the case of its own SKU')
    t.equal(res.json().sku, 'abc-1')

    const other = await createWorkspace(app)
    t.equal((await createProduct(other, { sku: 'ABC-1' })).sku, 'ABC-1', 'another workspace may use it')

    await del(ws, `/v1/products/${first.id}`)
    t.equal((await createProduct(ws, { sku: 'ABC-1' })).sku, 'ABC-1', 'a deleted product frees its SKU')

    const noSku = [await createProduct(ws), await createProduct(ws)]
    t.equal(noSku.length, 2, 'products without a SKU do not collide')
  })

  t.test('sku: a race the pre-check lost still answers a clear 409', async (t) => {
    const ws = await createWorkspace(app)
    const answers = await Promise.all([1, 2, 3].map(() =>
      post(ws, { name: 'Race', sku: 'RACE-1' })))
    const created = answers.filter((r) => r.statusCode === 201)
    t.equal(created.length, 1)
    for (const res of answers.filter((r) => r.statusCode !== 201)) {
      t.equal(res.statusCode, 409, res.body)
      t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE)
      t.match(res.json().code, /^CRM_(PRODUCT_SKU_TAKEN|DUPLICATE)$/)
      t.equal(res.json().errors[0].pointer, '/sku')
    }
  })

  t.test('vendorAccountId must be a vendor account of the workspace', async (t) => {
    const ws = await createWorkspace(app)
    const other = await createWorkspace(app)
    const customer = await createAccount(ws, 'customer')
    const untyped = await createAccount(ws, null)
    const unknown = '00000000-0000-4000-8000-000000000000'
    const foreign = await createAccount(other)
    const p = await createProduct(ws)
    const answers = []
    for (const id of [customer, untyped, unknown, foreign]) {
      for (const res of [
        await post(ws, { name: 'X', vendorAccountId: id }),
        await patch(ws, `/v1/products/${p.id}`, { vendorAccountId: id })
      ]) {
        const body = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
        t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/vendorAccountId'])
        t.match(body.errors[0].message, 'type vendor')
        answers.push(body.errors[0].message.replace(id, '<id>'))
      }
    }
    t.equal(new Set(answers).size, 1, 'a foreign id fails exactly like an unknown one')

    const gone = await createAccount(ws)
    await del(ws, `/v1/accounts/${gone}`)
    const res = await post(ws, { name: 'X', vendorAccountId: gone })
    assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')

    const vendor = await createAccount(ws)
    const ok = await patch(ws, `/v1/products/${p.id}`, { vendorAccountId: vendor })
    t.equal(ok.statusCode, 200, ok.body)
    t.equal(ok.json().vendorAccountId, vendor)

    const held = await del(ws, `/v1/accounts/${vendor}`)
    t.equal(held.statusCode, 409, 'the vendor account is held by its product')
  })

  t.test('a vendor is an account or a name, not both', async (t) => {
    const ws = await createWorkspace(app)
    const vendor = await createAccount(ws)

    let res = await post(ws, { name: 'X', vendorAccountId: vendor, vendorName: 'Acme' })
    let body = assertFullProblem(t, res, 422, 'CRM_PRODUCT_VENDOR_AMBIGUOUS')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/vendorAccountId', '/vendorName'])

    const byAccount = await createProduct(ws, { vendorAccountId: vendor })
    res = await patch(ws, `/v1/products/${byAccount.id}`, { vendorName: 'Acme' })
    body = assertFullProblem(t, res, 422, 'CRM_PRODUCT_VENDOR_AMBIGUOUS')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/vendorName'])
    t.same((await get(ws, `/v1/products/${byAccount.id}`)).json(), byAccount)

    res = await patch(ws, `/v1/products/${byAccount.id}`, { vendorName: 'Acme', vendorAccountId: null })
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { vendorName: 'Acme', vendorAccountId: null })

    res = await patch(ws, `/v1/products/${byAccount.id}`, { vendorAccountId: vendor })
    body = assertFullProblem(t, res, 422, 'CRM_PRODUCT_VENDOR_AMBIGUOUS')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), ['/vendorAccountId'])
  })

  t.test('walks every page exactly once, and sorts by other fields', async (t) => {
    const ws = await createWorkspace(app)
    const specs: [string, string | null, string | null][] = [
      ['Gamma', 'c-3', '30'], ['Alpha', null, '10'], ['Epsilon', 'A-1', null], ['Beta', 'b-2', '20'],
      ['Delta', null, null]
    ]
    const made = []
    for (const [name, sku, unitPrice] of specs) made.push(await createProduct(ws, { name, sku, unitPrice }))

    const { ids: seen, pages } = await walkList(ws, '/v1/products', 2, { t, each: ['status'] })
    t.equal(pages, 3)
    t.same(seen, made.map((p) => p.id).reverse())

    const walk = async (sort: string, field: string) => {
      const url = `/v1/products?sort=${sort}`
      const { items } = await walkList(ws, url, 2, { t, each: ['status'] })
      return items.map((p) => p[field])
    }
    t.same(await walk('unitPrice', 'unitPrice'), ['10.00', '20.00', '30.00', null, null])
    t.same(await walk('-unitPrice', 'unitPrice'), ['30.00', '20.00', '10.00', null, null])
    t.same(await walk('name', 'name'), ['Alpha', 'Beta', 'Delta', 'Epsilon', 'Gamma'])
    t.same(await walk('-name', 'name'), ['Gamma', 'Epsilon', 'Delta', 'Beta', 'Alpha'])
    const skus = await walk('sku', 'sku')
    t.same(skus.slice(3), [null, null], 'products without a SKU come last')
    t.equal(skus.length, 5)
    const reversed = await walk('-sku', 'sku')
    t.same(reversed.slice(0, 3), skus.slice(0, 3).reverse())

    const bad = await get(ws, '/v1/products?sort=cost')
    t.equal(assertFullProblem(t, bad, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, 'sort')
  })

  t.test('filters: each matches one record and not another', async (t) => {
    const ws = await createWorkspace(app)
    const vendor = await createAccount(ws)
    const hit = await createProduct(ws, {
      name: 'Hit',
      sku: 'HIT-1',
      category: 'Hardware',
      unitPrice: '500',
      vendorAccountId: vendor,
      isActive: false,
      isTaxable: false
    })
    // Timestamps have millisecond precision; keep the two records apart.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const miss = await createProduct(ws, { name: 'Miss', sku: 'MISS-1', category: 'Services', unitPrice: '5' })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const touched = await patch(ws, `/v1/products/${hit.id}`, { description: 'touched' })

    const filters = [
      'isActive=false', 'isTaxable=false', 'category=hardware', 'category=Hardware,Software', 'sku=hit-1',
      `vendorAccountId=${vendor}`, 'unitPriceMin=100', 'unitPriceMin=500&unitPriceMax=500.00',
      `createdAtTo=${encodeURIComponent(hit.createdAt)}`,
      `updatedAtFrom=${encodeURIComponent(touched.json().updatedAt)}`
    ]
    for (const filter of filters) {
      const res = await get(ws, `/v1/products?${filter}`)
      t.equal(res.statusCode, 200, `${filter}: ${res.body}`)
      t.same(ids(res), [hit.id], filter)
    }
    const opposite = [
      'isActive=true', 'isTaxable=true', 'category=services', 'sku=MISS-1', 'unitPriceMax=10',
      `createdAtFrom=${encodeURIComponent(miss.createdAt)}`, `updatedAtTo=${encodeURIComponent(miss.updatedAt)}`
    ]
    for (const filter of opposite) {
      const res = await get(ws, `/v1/products?${filter}`)
      t.same(ids(res), [miss.id], filter)
    }
    t.same(ids(await get(ws, '/v1/products?isActive=false&category=services')), [])
    for (const bad of ['isActive=maybe', 'unitPriceMin=abc', 'vendorAccountId=nope', 'vendorName=x']) {
      assertFullProblem(t, await get(ws, `/v1/products?${bad}`), 400, 'CRM_VALIDATION_ERROR')
    }
  })

  t.test('q searches name, sku and description', async (t) => {
    const ws = await createWorkspace(app)
    const byName = await createProduct(ws, { name: 'Turbo encabulator' })
    const bySku = await createProduct(ws, { name: 'Part', sku: 'ENCAB-7' })
    const byDescription = await createProduct(ws, { name: 'Kit', description: 'spare parts for the encabulator' })
    await createProduct(ws, { name: 'Unrelated', category: 'encabulators' })
    const res = await get(ws, '/v1/products?q=ENCAB&sort=createdAt')
    t.same(ids(res), [byName.id, bySku.id, byDescription.id])
    t.same(ids(await get(ws, '/v1/products?q=turbo%20encab')), [byName.id])
    t.same(ids(await get(ws, '/v1/products?q=flux')), [])
  })

  t.test('update: If-Match, null clears, body validation', async (t) => {
    const ws = await createWorkspace(app)
    const p = await createProduct(ws, { sku: 'S-1', category: 'Hardware', unitPrice: '10', cost: '4' })
    const url = `/v1/products/${p.id}`

    let res = await patch(ws, url, { category: null, cost: null, unitPrice: '12.5' }, { 'if-match': '"1"' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { category: null, cost: null, unitPrice: '12.50', sku: 'S-1', version: 2 })
    const current = res.json()

    res = await patch(ws, url, { name: 'Changed' }, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    t.same((await get(ws, url)).json(), current, 'a stale If-Match changes nothing')

    res = await patch(ws, url, { colour: 'red' })
    t.equal(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer, '/colour')
    const readOnly = [['id', p.id], ['version', 3], ['createdAt', p.createdAt], ['updatedAt', p.updatedAt]]
    for (const [field, value] of readOnly) {
      res = await patch(ws, url, { [field as string]: value })
      t.equal(
        assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer,
        `/${field}`,
        String(field)
      )
      res = await post(ws, { name: 'X', [field as string]: value })
      t.equal(
        assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR').errors[0].pointer,
        `/${field}`,
        String(field)
      )
    }
    for (const payload of [
      { name: null }, { currency: null }, { isActive: null }, { isTaxable: 'yes' }, { unitPrice: 10 },
      { unitPrice: '1.005' }, { currency: 'eur' }, { sku: '' }
    ]) {
      res = await patch(ws, url, payload)
      assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    }
    t.same((await get(ws, url)).json(), current, 'refused patches changed nothing')
  })

  t.test('delete: 204 then 404; 409 while a case refers to it', async (t) => {
    const ws = await createWorkspace(app)
    const p = await createProduct(ws)
    const url = `/v1/products/${p.id}`
    assertFullProblem(t, await del(ws, url, { 'if-match': '"9"' }), 412, 'CRM_PRECONDITION_FAILED')
    t.equal((await del(ws, url)).statusCode, 204)
    const gone = assertFullProblem(t, await get(ws, url), 404, 'CRM_PRODUCT_NOT_FOUND')
    t.equal(gone.instance, url)
    assertFullProblem(t, await patch(ws, url, { name: 'X' }), 404, 'CRM_PRODUCT_NOT_FOUND')
    t.same((await get(ws, '/v1/products')).json().data, [])

    const kept = await createProduct(ws)
    const caseId = await seedCase(app, ws, kept.id)
    const res = await del(ws, `/v1/products/${kept.id}`)
    t.match(assertFullProblem(t, res, 409, 'CRM_CONFLICT').detail, '1 cases')
    t.equal((await get(ws, `/v1/products/${kept.id}`)).statusCode, 200)

    await app.deps.db.update(cases).set({ deletedAt: new Date() }).where(eq(cases.id, caseId))
    t.equal((await del(ws, `/v1/products/${kept.id}`)).statusCode, 204)
  })

  t.test('another workspace never sees or touches the record', async (t) => {
    const ws = await createWorkspace(app)
    const other = await createWorkspace(app)
    const p = await createProduct(ws, { sku: 'MINE-1' })
    const url = `/v1/products/${p.id}`
    assertFullProblem(t, await get(other, url), 404, 'CRM_PRODUCT_NOT_FOUND')
    assertFullProblem(t, await patch(other, url, { name: 'Stolen' }), 404, 'CRM_PRODUCT_NOT_FOUND')
    assertFullProblem(t, await del(other, url), 404, 'CRM_PRODUCT_NOT_FOUND')
    t.same((await get(other, '/v1/products')).json().data, [])
    t.same((await get(other, '/v1/products?sku=MINE-1')).json().data, [])
    t.same((await get(ws, url)).json(), p, 'untouched')
  })

  t.test('roles: managers write; sales, marketing, support and readonly only read', async (t) => {
    const ws = await createWorkspace(app)
    const p = await createProduct(ws)
    const url = `/v1/products/${p.id}`
    const manager = await createUser(app, ws, 'manager')
    const created = await post(manager, { name: 'By manager' })
    t.equal(created.statusCode, 201, created.body)
    for (const role of ['sales', 'marketing', 'support', 'readonly']) {
      const user = await createUser(app, ws, role)
      t.equal((await get(user, url)).statusCode, 200, role)
      t.equal((await get(user, '/v1/products')).statusCode, 200, role)
      assertFullProblem(t, await post(user, { name: 'X' }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await patch(user, url, { name: 'X' }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await del(user, url), 403, 'CRM_FORBIDDEN')
    }
    t.same((await get(ws, url)).json(), p)
  })
})
