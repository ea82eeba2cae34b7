import fc from 'fast-check'
import t from 'tap'
import { neutralizeCell } from '../../../src/modules/exports/exports.cells.js'
import { csvFormat } from '../../../src/modules/exports/exports.formats.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'
import { expectedText, parseCsv, runsAsFormula, unneutralize } from './export-oracle.js'

/**
 * CSV injection: whatever text a record holds, no exported cell starts with
 * a character that makes a spreadsheet run it (a negative number aside),
 * and dropping the one added quote gives the stored value back.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261203)

/** Text that leans on the dangerous starts: formula characters, quotes, negative numbers. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.tuple(
    fc.stringMatching(/^'{0,3}$/),
    fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', "'", ' ', '"', ','),
    fc.string({ unit: 'binary', maxLength: 30 })
  ).map(([quotes, first, rest]) => quotes + first + rest),
  fc.tuple(fc.nat(), fc.nat({ max: 99 })).map(([a, b]) => `-${a}.${String(b).padStart(2, '0')}`),
  fc.constantFrom('=1+1', '-1+1', '+cmd|\' /C calc\'!A0', '@SUM(A1)', "'=x", "''+y", '-', "'", '-5', '-.5')
)

t.test('a neutralized cell never runs and gives back the value', async (t) => {
  fc.assert(
    fc.property(hostileText, (text) => {
      const cell = neutralizeCell(text)
      if (cell !== expectedText(text)) return false
      if (runsAsFormula(cell)) return false
      return unneutralize(cell) === text
    }),
    { numRuns: 2000, seed: SEED }
  )
  t.equal(neutralizeCell('-5.00'), '-5.00', 'a negative amount keeps its sign')
  t.equal(neutralizeCell('-1+1'), "'-1+1")
  t.equal(neutralizeCell("'s-Hertogenbosch"), "'s-Hertogenbosch", 'an apostrophe name is untouched')
  t.equal(neutralizeCell("'=x"), "''=x", 'a quoted formula gets one more quote, to stay reversible')
  t.equal(neutralizeCell('\uFF1DSUM(A1)'), "'\uFF1DSUM(A1)", 'a full-width = is neutralized too')
})

t.test('cells survive RFC 4180 quoting and parse back', async (t) => {
  fc.assert(
    fc.property(fc.array(hostileText, { minLength: 1, maxLength: 8 }), (texts) => {
      // The export's own CSV writer, over columns that each read one value.
      const columns = texts.map((_, i) => ({ name: `c${i}`, value: () => texts[i] }))
      const format = csvFormat(columns)
      const [header, row, ...more] = parseCsv(format.head() + format.page([{}]))
      return more.length === 0 && header?.length === texts.length &&
        JSON.stringify(row?.map(unneutralize)) === JSON.stringify(texts)
    }),
    { numRuns: 1000, seed: SEED + 1 }
  )
  t.pass('every row parsed back to its values')
})

t.test('exported names and descriptions are neutralized and reversible', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  // Values the API stores as sent: no NUL (refused), at most 255 characters for a name.
  const values = fc.sample(
    fc.tuple(
      hostileText.filter((s) => !s.includes('\u0000') && s.trim() !== ''),
      hostileText.filter((s) => !s.includes('\u0000'))
    ),
    { numRuns: 60, seed: SEED + 2 }
  )
  const stored = new Map<string, { name: string, description: string }>()
  for (const [name, description] of values) {
    const res = await ws.request({ method: 'POST', url: '/v1/products', payload: { name, description } })
    t.equal(res.statusCode, 201, res.body)
    const product = res.json()
    stored.set(product.id, { name: product.name, description: product.description })
  }
  t.ok([...stored.values()].some((v) => runsAsFormula(v.name)), 'the sample holds formula-like names')

  const res = await ws.request({ method: 'GET', url: '/v1/products/export' })
  t.equal(res.statusCode, 200)
  const [header, ...rows] = parseCsv(res.body) as [string[], ...string[][]]
  t.equal(rows.length, stored.size, 'one row per product')
  const at = (name: string) => header.indexOf(name)
  let formulas = 0
  let mismatches = 0
  for (const row of rows) {
    for (const cell of row) if (runsAsFormula(cell)) formulas++
    const expected = stored.get(row[at('id')] as string)
    const name = row[at('name')] as string
    const description = row[at('description')] as string
    if (expected === undefined || unneutralize(name) !== expected.name ||
      unneutralize(description) !== expected.description ||
      name !== expectedText(expected.name)) mismatches++
  }
  t.equal(formulas, 0, 'no cell starts with a formula character')
  t.equal(mismatches, 0, 'dropping the added quote gives every stored value')

  const ndjson = await ws.request({ method: 'GET', url: '/v1/products/export?format=ndjson' })
  const lines = ndjson.body.trimEnd().split('\n').map((l) => JSON.parse(l))
  t.ok(lines.every((p) => p.name === stored.get(p.id)?.name), 'NDJSON keeps the values unaltered')
})
