import { and, eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { contacts } from '../../../src/modules/contacts/contacts.table.js'
import { quoteCsv } from '../../../src/modules/imports/imports.csv.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { errorsOf, importApp, parseCsv, runImport } from './imports.helpers.js'

/**
 * A property over generated files of contacts, valid and invalid rows
 * mixed (bad emails, missing names, non-booleans, over-long and hostile
 * text, keys repeated across batches): whatever the file, every row read
 * has exactly one outcome, and the database holds what a row-by-row model
 * of the rules says — the valid rows, each once, later rows of a key
 * updating earlier ones in upsert mode and skipped in create mode.
 */

interface GenRow {
  lastName: string
  key: number | null
  isBadEmail: boolean
  title: string
  doNotCall: string
}

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !s.includes('\u0000')),
  fc.constantFrom('=SUM(A1)', 'a,b', 'say "hi"', 'line\nbreak', '\ttab', '@x', '+1', 'x'.repeat(201), 'U+FFFD: \uFFFD')
)

const row: fc.Arbitrary<GenRow> = fc.record({
  lastName: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('Lovelace', 'Hopper', 'Curie', 'Noether') }, { weight: 1, arbitrary: fc.constant('') }),
  key: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 4 }),
  isBadEmail: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  title: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('', 'CEO', 'CTO') }, { weight: 2, arbitrary: text }),
  doNotCall: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('', 'true', 'false') },
    { weight: 1, arbitrary: fc.constant('maybe') }
  )
})

interface State { lastName: string, email: string | null, title: string | null, doNotCall: boolean }

const codePoints = (s: string) => [...s].length

/** The rules, one row at a time: what the import must end with. */
function model (rows: GenRow[], mode: 'create' | 'upsert', tag: string) {
  const records: State[] = []
  const byEmail = new Map<string, State>()
  const failed: number[] = []
  const counts = { created: 0, updated: 0, skipped: 0 }
  rows.forEach((r, i) => {
    const email = r.key === null ? null : r.isBadEmail ? `bad-${r.key}` : `u${r.key}.${tag}@example.com`
    const isValid = r.lastName !== '' && (email === null || !r.isBadEmail) &&
      r.doNotCall !== 'maybe' && codePoints(r.title) <= 200
    if (!isValid) {
      failed.push(i + 1)
      return
    }
    const given = {
      lastName: r.lastName,
      ...(r.title === '' ? {} : { title: r.title }),
      ...(r.doNotCall === '' ? {} : { doNotCall: r.doNotCall === 'true' })
    }
    const existing = email === null ? undefined : byEmail.get(email.toLowerCase())
    if (existing === undefined) {
      const created: State = { title: null, doNotCall: false, email, ...given }
      records.push(created)
      if (email !== null) byEmail.set(email.toLowerCase(), created)
      counts.created++
    } else if (mode === 'create') {
      counts.skipped++
    } else {
      const next = { ...existing, ...given, email }
      const isChanged = JSON.stringify(next) !== JSON.stringify(existing)
      Object.assign(existing, next)
      counts[isChanged ? 'updated' : 'skipped']++
    }
  })
  return { records, failed, counts }
}

function toCsv (rows: GenRow[], tag: string): string {
  const lines = ['lastName,email,title,doNotCall,department']
  for (const r of rows) {
    const email = r.key === null ? '' : r.isBadEmail ? `bad-${r.key}` : `u${r.key}.${tag}@example.com`
    lines.push([r.lastName, email, r.title, r.doNotCall, tag].map(quoteCsv).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}

t.test('every row has one outcome and the database matches the rules', async (t) => {
  const { app, deps } = await importApp(t, { IMPORT_BATCH_ROWS: '7' })
  const ws = await createWorkspace(app, 'Import property')
  let run = 0
  await fc.assert(
    fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60, size: 'large' }), fc.constantFrom('create', 'upsert'), async (rows, mode) => {
      const tag = `run${run++}x${Date.now()}`
      const expected = model(rows, mode as 'create' | 'upsert', tag)
      const content = toCsv(rows, tag)
      const done = await runImport(ws, { object: 'contacts', mode }, { name: 'p.csv', content })
      const sum = done.rowsCreated + done.rowsUpdated + done.rowsSkipped + done.rowsFailed
      if (done.status !== 'succeeded' || done.rowsRead !== rows.length || sum !== rows.length) {
        throw new Error(`counters do not add up: ${JSON.stringify(done)}`)
      }
      const counts = { created: done.rowsCreated, updated: done.rowsUpdated, skipped: done.rowsSkipped }
      if (JSON.stringify(counts) !== JSON.stringify(expected.counts)) {
        throw new Error(`counts ${JSON.stringify(counts)}, model ${JSON.stringify(expected.counts)}`)
      }
      const errorRows = parseCsv((await errorsOf(ws, done.id)).body).slice(1).map((r) => Number(r[0]))
      if (JSON.stringify(errorRows) !== JSON.stringify(expected.failed)) {
        throw new Error(`failed rows ${errorRows}, model ${expected.failed}`)
      }
      const stored = await deps.database.db
        .select({ lastName: contacts.lastName, email: contacts.email, title: contacts.title, doNotCall: contacts.doNotCall })
        .from(contacts)
        .where(and(eq(contacts.workspaceId, ws.workspaceId), eq(contacts.department, tag)))
      const canon = (list: State[]) => list.map((s) => JSON.stringify([s.lastName, s.email, s.title, s.doNotCall])).sort()
      if (JSON.stringify(canon(stored)) !== JSON.stringify(canon(expected.records))) {
        throw new Error(`stored ${canon(stored).join('|')}\nmodel  ${canon(expected.records).join('|')}`)
      }
    }),
    { numRuns: Number(process.env.IMPORT_PROPERTY_RUNS ?? 25), seed: Number(process.env.IMPORT_PROPERTY_SEED ?? 20261203) }
  )
  t.pass('the property held')
})
