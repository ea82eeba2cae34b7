import fc from 'fast-check'
import t from 'tap'
import { lineItemTotal } from '../../../src/modules/opportunities/line-items/line-items.totals.js'
import { buildTestApp } from '../../helper.js'
import { addLineItem, createOpportunity } from '../../fixtures/opportunities.js'
import { createPricedProduct } from '../../fixtures/products.js'
import { createWorkspace } from '../../fixtures/workspaces.js'

// The totals and the amount against an independent computation on scaled
// BigInts (quantity in 1/10000, prices in cents, discounts in 1/100 %),
// through the real API and database; and concurrent adds.

const RUNS = Number(process.env.PROPERTY_RUNS ?? 25)
const SEED = Number(process.env.FUZZ_SEED ?? 20261203)

/** A scaled integer as a decimal string with `digits` fraction digits. */
function decimal (scaled: bigint, digits: number): string {
  const unit = 10n ** BigInt(digits)
  return `${scaled / unit}.${(scaled % unit).toString().padStart(digits, '0')}`
}

/** quantity × price × (100 − discount) / 100 in cents, half up: q/1e4 × p/1e2 × (1e4 − d)/1e4 × 1e2. */
function expectedCents (q: bigint, p: bigint, d: bigint): bigint {
  return (q * p * (10_000n - d) + 50_000_000n) / 100_000_000n
}

const quantity = fc.oneof(
  fc.bigInt({ min: 1n, max: 99_999_9999n }),
  fc.constantFrom(1n, 5_000n, 10_000n, 12_3456n, 99_999_9999n)
)
const cents = fc.oneof(
  fc.bigInt({ min: 0n, max: 99_999_999n }),
  fc.constantFrom(0n, 1n, 35n, 50n, 99n, 149_900n)
)
const discount = fc.oneof(
  fc.bigInt({ min: 0n, max: 10_000n }),
  fc.constantFrom(0n, 1n, 5_000n, 1_234n, 9_999n, 10_000n)
)
const line = fc.record({ q: quantity, p: cents, d: discount })

t.test('lineItemTotal equals the BigInt computation', async (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1n, max: 9_999_999_999_9999n }),
      fc.bigInt({ min: 0n, max: 999_999_999_999_99n }),
      discount,
      (q, p, d) => {
        const total = lineItemTotal(decimal(q, 4), decimal(p, 2), decimal(d, 2))
        return total === decimal(expectedCents(q, p, d), 2)
      }
    ),
    { numRuns: 2000, seed: SEED }
  )
  t.equal(lineItemTotal('3', '0.35', '50'), '0.53', 'half up, not a float\'s 0.52')
  t.equal(lineItemTotal('0.0001', '0.01', '0'), '0.00')
  t.equal(lineItemTotal('0.5', '0.01', '0'), '0.01')
})

t.test('through the API', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const product = await createPricedProduct(ws, '1.00')

  t.test('each totalPrice and the amount equal the BigInt computation', async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 4 }), async (lines) => {
        const opportunity = await createOpportunity(ws)
        let sum = 0n
        for (const { q, p, d } of lines) {
          const item = await addLineItem(ws, opportunity.id, {
            productId: product.id, quantity: decimal(q, 4), unitPrice: decimal(p, 2), discountPercent: decimal(d, 2)
          })
          const expected = expectedCents(q, p, d)
          if (item.totalPrice !== decimal(expected, 2)) {
            throw new Error(`${JSON.stringify(item)} should total ${decimal(expected, 2)}`)
          }
          sum += expected
        }
        const read = await ws.request({ method: 'GET', url: `/v1/opportunities/${opportunity.id}` })
        if (read.json().amount !== decimal(sum, 2)) {
          throw new Error(`amount ${read.json().amount}, expected ${decimal(sum, 2)}`)
        }
      }),
      { numRuns: RUNS, seed: SEED }
    )
    t.pass(`${RUNS} opportunities`)
  })

  t.test('the amount stays the sum under concurrent adds, changes and removals', async (t) => {
    const opportunity = await createOpportunity(ws)
    const url = `/v1/opportunities/${opportunity.id}/line-items`
    const prices = Array.from({ length: 12 }, (_, i) => `${i + 1}.${String(i * 7 % 100).padStart(2, '0')}`)
    const added = await Promise.all(prices.map((unitPrice) =>
      ws.request({ method: 'POST', url, payload: { productId: product.id, unitPrice } })))
    t.same(added.map((r) => r.statusCode), prices.map(() => 201))
    const expected = (list: string[]) =>
      decimal(list.reduce((s, p) => s + BigInt(p.replace('.', '')), 0n), 2)
    let read = await ws.request({ method: 'GET', url: `/v1/opportunities/${opportunity.id}` })
    t.equal(read.json().amount, expected(prices))

    const ids = added.map((r) => r.json().id as string)
    const changes = await Promise.all([
      ...ids.slice(0, 4).map((id) =>
        ws.request({ method: 'PATCH', url: `${url}/${id}`, payload: { quantity: '2' } })),
      ...ids.slice(4, 8).map((id) => ws.request({ method: 'DELETE', url: `${url}/${id}` }))
    ])
    t.same(changes.map((r) => r.statusCode), [200, 200, 200, 200, 204, 204, 204, 204])
    const kept = [...prices.slice(0, 4), ...prices.slice(0, 4), ...prices.slice(8)]
    read = await ws.request({ method: 'GET', url: `/v1/opportunities/${opportunity.id}` })
    t.equal(read.json().amount, expected(kept))
    // One version per write: created, then 12 adds, 4 changes and 4 removals.
    t.equal(read.json().version, 21)
  })
})
