import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildTestApp } from '../../helper.js'
import { walkList } from '../../fixtures/lists.js'
import { addLineItem, createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createPricedProduct, createProduct } from '../../fixtures/products.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis, through the API only. The arithmetic and the
// concurrency properties are in line-items.totals.test.ts.

type Caller = Pick<TestWorkspace, 'request'>
type Headers = Record<string, string>
const itemsUrl = (opportunityId: string) => `/v1/opportunities/${opportunityId}/line-items`
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const post = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'POST', url, payload, headers })
const patch = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'PATCH', url, payload, headers })
const del = (who: Caller, url: string, headers: Headers = {}) =>
  who.request({ method: 'DELETE', url, headers })
const amountOf = async (who: Caller, opportunityId: string) =>
  (await get(who, `/v1/opportunities/${opportunityId}`)).json().amount
const pointers = (body: { errors: { pointer: string }[] }) => body.errors.map((e) => e.pointer)

async function setup (app: FastifyInstance) {
  const ws = await createWorkspace(app)
  const opportunity = await createOpportunity(ws)
  const product = await createPricedProduct(ws, '1499.00')
  return { ws, opportunity, product, url: itemsUrl(opportunity.id) }
}

t.test('line items', async (t) => {
  const app = await buildTestApp(t)

  t.test('adds a product with the defaults and sets the amount', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const res = await post(ws, url, { productId: product.id })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const item = res.json()
    t.equal(res.headers.location, `${url}/${item.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same(item, {
      id: item.id,
      opportunityId: opportunity.id,
      productId: product.id,
      quantity: '1.0000',
      unitPrice: '1499.00',
      discountPercent: '0.00',
      totalPrice: '1499.00',
      description: null,
      createdAt: item.createdAt,
      updatedAt: item.createdAt,
      version: 1
    })
    t.match(item.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const read = await get(ws, `${url}/${item.id}`)
    t.equal(read.statusCode, 200)
    t.equal(read.headers.etag, '"1"')
    t.same(read.json(), item)
    t.same((await get(ws, url)).json(), { data: [item], nextCursor: null })

    const o = (await get(ws, `/v1/opportunities/${opportunity.id}`)).json()
    t.match(o, { amount: '1499.00', version: 2, expectedRevenue: '149.90' })
  })

  t.test('every written field round-trips; totals are exact and the amount is their sum', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const first = await addLineItem(ws, opportunity.id, {
      productId: product.id, quantity: '12', discountPercent: '10', description: 'Three-year licence'
    })
    t.match(first, {
      quantity: '12.0000', unitPrice: '1499.00', discountPercent: '10.00',
      totalPrice: '16189.20', description: 'Three-year licence'
    })
    // 3 × 0.35 at 50 % is 0.525: half up gives 0.53, a float 0.52.
    const second = await addLineItem(ws, opportunity.id, {
      productId: product.id, quantity: '3', unitPrice: '0.35', discountPercent: '50'
    })
    t.equal(second.totalPrice, '0.53')
    const third = await addLineItem(ws, opportunity.id, {
      productId: product.id, quantity: '0.0001', unitPrice: '49.99', discountPercent: '12.34'
    })
    t.match(third, { quantity: '0.0001', totalPrice: '0.00' })
    const free = await addLineItem(ws, opportunity.id, {
      productId: product.id, quantity: '2.5', unitPrice: '100', discountPercent: '100'
    })
    t.match(free, { unitPrice: '100.00', discountPercent: '100.00', totalPrice: '0.00' })
    t.equal(await amountOf(ws, opportunity.id), '16189.73')

    const { items } = await walkList(ws, url, 2, { t, each: ['status', 'size'] })
    t.same(items.map((i) => i.id), [free.id, third.id, second.id, first.id], 'newest first')
  })

  t.test('a change computes the total again and follows into the amount', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const a = await addLineItem(ws, opportunity.id, { productId: product.id, quantity: '2' })
    const b = await addLineItem(ws, opportunity.id, { productId: product.id, unitPrice: '10' })
    t.equal(await amountOf(ws, opportunity.id), '3008.00')

    let res = await patch(ws, `${url}/${a.id}`, { quantity: '3', discountPercent: '12.5' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { quantity: '3.0000', discountPercent: '12.50', totalPrice: '3934.88', version: 2 })
    t.equal(await amountOf(ws, opportunity.id), '3944.88')

    res = await patch(ws, `${url}/${b.id}`, { unitPrice: '20.5', description: 'Setup' })
    t.match(res.json(), { unitPrice: '20.50', totalPrice: '20.50', description: 'Setup' })
    res = await patch(ws, `${url}/${b.id}`, { description: null })
    t.match(res.json(), { description: null, version: 3 })
    t.equal(await amountOf(ws, opportunity.id), '3955.38')

    const before = (await get(ws, `/v1/opportunities/${opportunity.id}`)).json()
    res = await patch(ws, `${url}/${b.id}`, {})
    t.equal(res.json().version, 3, 'an empty patch changes nothing')
    t.same((await get(ws, `/v1/opportunities/${opportunity.id}`)).json(), before, 'nor the opportunity')

    res = await patch(ws, `${url}/${a.id}`, { quantity: '1' }, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    res = await del(ws, `${url}/${a.id}`, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    t.equal(await amountOf(ws, opportunity.id), '3955.38', 'a stale If-Match changes nothing')
    res = await patch(ws, `${url}/${a.id}`, { quantity: '1' }, { 'if-match': '"2"' })
    t.equal(res.statusCode, 200)
  })

  t.test('removing items follows into the amount; the last one leaves it writable', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const patched = await patch(ws, `/v1/opportunities/${opportunity.id}`, { amount: '5' })
    t.equal(patched.json().amount, '5.00')
    const a = await addLineItem(ws, opportunity.id, { productId: product.id, unitPrice: '100' })
    t.equal(await amountOf(ws, opportunity.id), '100.00', 'the first item replaces a typed amount')
    const b = await addLineItem(ws, opportunity.id, { productId: product.id, unitPrice: '50' })
    t.equal(await amountOf(ws, opportunity.id), '150.00')

    let res = await del(ws, `${url}/${a.id}`)
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal(await amountOf(ws, opportunity.id), '50.00')
    assertFullProblem(t, await get(ws, `${url}/${a.id}`), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await del(ws, `${url}/${a.id}`), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await patch(ws, `${url}/${a.id}`, { quantity: '2' }), 404, 'CRM_LINE_ITEM_NOT_FOUND')

    res = await del(ws, `${url}/${b.id}`)
    t.equal(res.statusCode, 204)
    t.equal(await amountOf(ws, opportunity.id), '50.00', 'the last sum stays')
    t.same((await get(ws, url)).json().data, [])
    res = await patch(ws, `/v1/opportunities/${opportunity.id}`, { amount: '75' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().amount, '75.00', 'writable again')
  })

  t.test('while items exist, a write of amount or currency answers 422', async (t) => {
    const { ws, opportunity, product } = await setup(app)
    const oppUrl = `/v1/opportunities/${opportunity.id}`
    await addLineItem(ws, opportunity.id, { productId: product.id })
    const current = (await get(ws, oppUrl)).json()
    for (const payload of [{ amount: '10' }, { amount: null }, { amount: '1499.00' }, { name: 'X', amount: '1' }]) {
      const res = await patch(ws, oppUrl, payload)
      const body = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_AMOUNT_FROM_LINE_ITEMS')
      t.same(pointers(body), ['/amount'], JSON.stringify(payload))
      t.match(body.detail, 'line items')
    }
    let res = await patch(ws, oppUrl, { currency: 'USD' })
    const body = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_CURRENCY_FROM_LINE_ITEMS')
    t.same(pointers(body), ['/currency'])
    t.same((await get(ws, oppUrl)).json(), current, 'nothing changed')

    res = await patch(ws, oppUrl, { currency: 'EUR', name: 'Renamed', stage: 'proposal' })
    t.equal(res.statusCode, 200, 'other fields, and the same currency, are fine')
    t.match(res.json(), { name: 'Renamed', amount: '1499.00', expectedRevenue: '749.50' })
  })

  t.test('the product: live, of the workspace, active, priced in the currency', async (t) => {
    const { ws, opportunity, url } = await setup(app)
    const other = await createWorkspace(app)
    const oppUrl = `/v1/opportunities/${opportunity.id}`
    const before = (await get(ws, oppUrl)).json()
    const unknown = '00000000-0000-4000-8000-000000000000'
    const foreign = await createPricedProduct(other, '10')
    const gone = await createPricedProduct(ws, '10')
    t.equal((await del(ws, `/v1/products/${gone.id}`)).statusCode, 204)
    const messages = []
    for (const id of [unknown, foreign.id, gone.id]) {
      const res = await post(ws, url, { productId: id, unitPrice: '5' })
      const body = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
      t.same(pointers(body), ['/productId'])
      messages.push(body.errors[0].message.replace(id, '<id>'))
    }
    t.equal(new Set(messages).size, 1, 'a foreign product fails like an unknown one')

    const inactive = await createPricedProduct(ws, '10', { isActive: false })
    let res = await post(ws, url, { productId: inactive.id })
    t.same(pointers(assertFullProblem(t, res, 422, 'CRM_PRODUCT_INACTIVE')), ['/productId'])

    const unpriced = await createProduct(ws)
    res = await post(ws, url, { productId: unpriced.id })
    t.same(pointers(assertFullProblem(t, res, 422, 'CRM_LINE_ITEM_PRICE_REQUIRED')), ['/unitPrice'])

    const dollars = await createPricedProduct(ws, '10', { currency: 'USD' })
    res = await post(ws, url, { productId: dollars.id, quantity: '2' })
    const body = assertFullProblem(t, res, 422, 'CRM_LINE_ITEM_CURRENCY_MISMATCH')
    t.same(pointers(body), ['/unitPrice'])
    t.match(body.detail, 'USD')

    t.same((await get(ws, url)).json().data, [], 'nothing was added')
    t.same((await get(ws, oppUrl)).json(), before, 'the opportunity is untouched')

    res = await post(ws, url, { productId: dollars.id, quantity: '2', unitPrice: '9' })
    t.equal(res.statusCode, 201, 'a unitPrice given is in the opportunity\'s currency')
    res = await post(ws, url, { productId: unpriced.id, unitPrice: '3' })
    t.equal(res.statusCode, 201, 'so is one for a product without a price')
    t.equal(await amountOf(ws, opportunity.id), '21.00')

    const turnsInactive = await createPricedProduct(ws, '10')
    const item = await addLineItem(ws, opportunity.id, { productId: turnsInactive.id })
    await patch(ws, `/v1/products/${turnsInactive.id}`, { isActive: false })
    res = await patch(ws, `${url}/${item.id}`, { quantity: '4' })
    t.equal(res.statusCode, 200, 'an item of a product made inactive still changes')
    t.equal(res.json().totalPrice, '40.00')
  })

  t.test('totals beyond the largest amount answer 422', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    let res = await post(ws, url, {
      productId: product.id, quantity: '9999999999', unitPrice: '999999999999.99'
    })
    let body = assertFullProblem(t, res, 422, 'CRM_LINE_ITEM_TOTAL_TOO_LARGE')
    t.same(pointers(body), ['/quantity'])
    const big = await addLineItem(ws, opportunity.id, { productId: product.id, unitPrice: '999999999999.99' })
    t.equal(big.totalPrice, '999999999999.99', 'the largest amount itself is fine')
    res = await post(ws, url, { productId: product.id, unitPrice: '0.01' })
    body = assertFullProblem(t, res, 422, 'CRM_LINE_ITEM_TOTAL_TOO_LARGE')
    t.match(body.detail, 'sum')
    res = await patch(ws, `${url}/${big.id}`, { quantity: '2' })
    assertFullProblem(t, res, 422, 'CRM_LINE_ITEM_TOTAL_TOO_LARGE')
    t.same((await get(ws, url)).json().data.map((i: { id: string }) => i.id), [big.id])
    t.equal(await amountOf(ws, opportunity.id), '999999999999.99')
  })

  t.test('bodies are validated: decimal strings, no productId in a patch, no read-only fields', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const item = await addLineItem(ws, opportunity.id, { productId: product.id })
    const bad = [
      { quantity: '0' }, { quantity: '0.0000' }, { quantity: '-1' }, { quantity: '1.23456' }, { quantity: 2 },
      { quantity: '12345678901' }, { quantity: '1e3' }, { discountPercent: '100.01' },
      { discountPercent: '101' }, { discountPercent: '-1' }, { discountPercent: '1.234' }, { discountPercent: 5 },
      { unitPrice: '-1' }, { unitPrice: '1.234' }, { unitPrice: 10 }, { quantity: null }, { unitPrice: null }
    ]
    for (const payload of bad) {
      const field = Object.keys(payload)[0]
      let res = await post(ws, url, { productId: product.id, ...payload })
      t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), [`/${field}`], JSON.stringify(payload))
      res = await patch(ws, `${url}/${item.id}`, payload)
      t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), [`/${field}`], JSON.stringify(payload))
    }
    for (const field of ['productId', 'opportunityId', 'totalPrice', 'id', 'version']) {
      const res = await patch(ws, `${url}/${item.id}`, { [field]: field === 'version' ? 2 : product.id })
      t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), [`/${field}`], field)
    }
    let res = await post(ws, url, { quantity: '1' })
    t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), ['/productId'])
    res = await post(ws, url, { productId: product.id, totalPrice: '1.00' })
    assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    res = await get(ws, `${itemsUrl('not-a-uuid')}`)
    assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    res = await get(ws, `${url}/not-a-uuid`)
    assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.same((await get(ws, `${url}/${item.id}`)).json(), item, 'refused writes changed nothing')
    t.equal(await amountOf(ws, opportunity.id), '1499.00')
  })

  t.test('lists: sort, filters, q and every page once', async (t) => {
    const { ws, opportunity, url } = await setup(app)
    const widget = await createPricedProduct(ws, '10', { name: 'Widget Pro', sku: `WP-${Date.now()}` })
    const gadget = await createPricedProduct(ws, '10', { name: 'Gadget' })
    const quantities = ['5', '1', '3', '2', '4']
    const made = []
    for (const [i, quantity] of quantities.entries()) {
      const productId = i % 2 === 0 ? widget.id : gadget.id
      made.push(await addLineItem(ws, opportunity.id, { productId, quantity, description: `Line ${i}` }))
    }
    const { ids, pages } = await walkList(ws, url, 2, { t, each: ['status', 'size'] })
    t.equal(pages, 3)
    t.same(ids, made.map((i) => i.id).reverse())
    const totals = async (query: string) =>
      (await get(ws, `${url}?${query}`)).json().data.map((i: { totalPrice: string }) => i.totalPrice)
    t.same(await totals('sort=totalPrice'), ['10.00', '20.00', '30.00', '40.00', '50.00'])
    t.same(await totals('sort=-quantity'), ['50.00', '40.00', '30.00', '20.00', '10.00'])
    t.same(await totals(`productId=${gadget.id}&sort=quantity`), ['10.00', '20.00'])
    t.same(await totals('totalPriceMin=30&totalPriceMax=40&sort=totalPrice'), ['30.00', '40.00'])
    t.same(await totals('q=widget&sort=totalPrice'), ['30.00', '40.00', '50.00'], 'the product name')
    t.same(await totals('q=line%203'), ['20.00'], 'the description')
    t.same(await totals('q=umbrella'), [])
    for (const bad of ['sort=productId', 'colour=red', 'limit=201', 'productId=x']) {
      assertFullProblem(t, await get(ws, `${url}?${bad}`), 400, 'CRM_VALIDATION_ERROR')
    }
    const other = await createOpportunity(ws)
    t.same((await get(ws, itemsUrl(other.id))).json().data, [], 'only the opportunity\'s own items')
  })

  t.test('Idempotency-Key replays an add', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const headers = { 'idempotency-key': 'add-once' }
    const first = await post(ws, url, { productId: product.id, quantity: '2' }, headers)
    t.equal(first.statusCode, 201)
    const retry = await post(ws, url, { productId: product.id, quantity: '2' }, headers)
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.body, first.body)
    t.equal(retry.headers.location, first.headers.location)
    t.equal((await get(ws, url)).json().data.length, 1, 'added once')
    t.equal(await amountOf(ws, opportunity.id), '2998.00')
    const other = await post(ws, url, { productId: product.id, quantity: '3' }, headers)
    assertFullProblem(t, other, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
  })

  t.test('an item is found only under its own opportunity', async (t) => {
    const { ws, opportunity, product } = await setup(app)
    const item = await addLineItem(ws, opportunity.id, { productId: product.id })
    const sibling = await createOpportunity(ws)
    const wrong = `${itemsUrl(sibling.id)}/${item.id}`
    assertFullProblem(t, await get(ws, wrong), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await patch(ws, wrong, { quantity: '9' }), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await del(ws, wrong), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    t.same((await get(ws, `${itemsUrl(opportunity.id)}/${item.id}`)).json(), item)
    t.equal(await amountOf(ws, sibling.id), null)
  })

  t.test('a deleted opportunity takes its items along; its routes answer 404', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const item = await addLineItem(ws, opportunity.id, { productId: product.id })
    let res = await del(ws, `/v1/products/${product.id}`)
    const body = assertFullProblem(t, res, 409, 'CRM_CONFLICT')
    t.match(body.detail, '1 line items')
    t.equal((await get(ws, `/v1/products/${product.id}`)).statusCode, 200, 'a product on a line item stays')

    t.equal((await del(ws, `/v1/opportunities/${opportunity.id}`)).statusCode, 204)
    const code = 'CRM_OPPORTUNITY_NOT_FOUND'
    assertFullProblem(t, await get(ws, url), 404, code)
    assertFullProblem(t, await post(ws, url, { productId: product.id }), 404, code)
    assertFullProblem(t, await get(ws, `${url}/${item.id}`), 404, code)
    assertFullProblem(t, await patch(ws, `${url}/${item.id}`, { quantity: '2' }), 404, code)
    assertFullProblem(t, await del(ws, `${url}/${item.id}`), 404, code)
    res = await del(ws, `/v1/products/${product.id}`)
    t.equal(res.statusCode, 204, 'the items went with the opportunity, so the product may go')
  })

  t.test('another workspace never sees or touches the items', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const other = await createWorkspace(app)
    const item = await addLineItem(ws, opportunity.id, { productId: product.id })
    const theirProduct = await createPricedProduct(other, '1')
    const code = 'CRM_OPPORTUNITY_NOT_FOUND'
    assertFullProblem(t, await get(other, url), 404, code)
    assertFullProblem(t, await post(other, url, { productId: theirProduct.id }), 404, code)
    assertFullProblem(t, await get(other, `${url}/${item.id}`), 404, code)
    assertFullProblem(t, await patch(other, `${url}/${item.id}`, { quantity: '7' }), 404, code)
    assertFullProblem(t, await del(other, `${url}/${item.id}`), 404, code)

    const theirs = await createOpportunity(other)
    const probe = `${itemsUrl(theirs.id)}/${item.id}`
    assertFullProblem(t, await get(other, probe), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await patch(other, probe, { quantity: '7' }), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    assertFullProblem(t, await del(other, probe), 404, 'CRM_LINE_ITEM_NOT_FOUND')
    const res = await post(other, itemsUrl(theirs.id), { productId: product.id })
    assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
    t.same((await get(other, itemsUrl(theirs.id))).json().data, [], 'nothing written there')

    t.same((await get(ws, `${url}/${item.id}`)).json(), item, 'untouched')
    t.equal(await amountOf(ws, opportunity.id), '1499.00')
  })

  t.test('roles: sales writes; readonly, marketing and support only read', async (t) => {
    const { ws, opportunity, product, url } = await setup(app)
    const item = await addLineItem(ws, opportunity.id, { productId: product.id })
    const sales = await createUser(app, ws, 'sales')
    let res = await post(sales, url, { productId: product.id, quantity: '2' })
    t.equal(res.statusCode, 201, res.body)
    res = await patch(sales, `${url}/${res.json().id}`, { quantity: '3' })
    t.equal(res.statusCode, 200, res.body)
    const amount = await amountOf(ws, opportunity.id)
    t.equal(amount, '5996.00')
    for (const role of ['readonly', 'marketing', 'support']) {
      const user = await createUser(app, ws, role)
      t.equal((await get(user, url)).statusCode, 200, role)
      t.equal((await get(user, `${url}/${item.id}`)).statusCode, 200, role)
      assertFullProblem(t, await post(user, url, { productId: product.id }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await patch(user, `${url}/${item.id}`, { quantity: '9' }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await del(user, `${url}/${item.id}`), 403, 'CRM_FORBIDDEN')
    }
    t.same((await get(ws, `${url}/${item.id}`)).json(), item)
    t.equal(await amountOf(ws, opportunity.id), amount)
  })
})
