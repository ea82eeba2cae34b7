import fc from 'fast-check'
import t from 'tap'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { filterOf, matches, type Model, random, sortRecords, walkSearch } from './search.model.js'
import { RESOURCES } from './search.seeds.js'

/**
 * For every searchable resource: random records (and parents) in one
 * workspace, the same kind of records in a second, then random filter
 * trees, sorts and page sizes. Walking every page must give exactly the
 * records the brute-force model selects, in the model's order, and never
 * one of the other workspace; `total`, when asked, counts them.
 */

const app = await buildTestApp(t)
const RUNS = Number(process.env.SEARCH_RUNS ?? 30)
const SEED = Number(process.env.SEARCH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const RECORDS = 20

t.comment(`records seeded with SEARCH_SEED=${SEED}`)

function sortOf (model: Model) {
  const keys = Object.keys(model.sortable)
  return fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: 3 })
    .chain((fields) => fc.tuple(...fields.map((f) => fc.constantFrom(f, `-${f}`))))
    .map((parts) => parts.join(','))
}

for (const [index, resource] of RESOURCES.entries()) {
  t.test(`${resource.collection}: search agrees with a brute-force filter`, async (t) => {
    const a = await createWorkspace(app, 'Search A')
    const b = await createWorkspace(app, 'Search B')
    const model = await resource.seed(a, random(SEED + index), RECORDS)
    // The other workspace holds records of the same values; none may ever be found.
    const foreign = await resource.seed(b, random(SEED + index), 6)
    const foreignIds = new Set(foreign.records.map((r) => r.id))
    let matched = 0

    await fc.assert(
      fc.asyncProperty(
        filterOf(model), sortOf(model), fc.integer({ min: 1, max: 9 }), fc.boolean(),
        async (filter, sort, limit, includeTotal) => {
          const expected = sortRecords(model, model.records.filter((r) => matches(model, r, filter)), sort)
            .map((r) => r.id)
          const body = { filter, sort, limit, ...(includeTotal ? { includeTotal } : {}) }
          const got = await walkSearch(a, resource.collection, body)
          const label = JSON.stringify(body)
          if (got.ids.some((id) => foreignIds.has(id))) throw new Error(`another workspace's record: ${label}`)
          if (JSON.stringify(got.ids) !== JSON.stringify(expected)) {
            throw new Error(`${label}\nexpected ${JSON.stringify(expected)}\ngot      ${JSON.stringify(got.ids)}`)
          }
          if (includeTotal ? got.total !== expected.length : got.total !== undefined) {
            throw new Error(`total ${got.total} for ${expected.length} matches: ${label}`)
          }
          if (got.pages !== Math.max(1, Math.ceil(expected.length / limit)) &&
            got.pages !== Math.ceil(expected.length / limit) + 1) {
            throw new Error(`${got.pages} pages for ${expected.length} matches of ${limit}: ${label}`)
          }
          if (expected.length > 0 && expected.length < model.records.length) matched++
        }
      ),
      { numRuns: RUNS }
    )
    // A property that only ever met empty or full answers would prove little.
    t.ok(matched >= RUNS / 10, `${matched} of ${RUNS} filters selected some but not all records`)
  })
}
