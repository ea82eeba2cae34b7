import t from 'tap'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { allRecords, errorsOf, importApp, parseCsv, runImport } from './imports.helpers.js'

/**
 * How the bytes of a CSV file become text: UTF-8 is checked on the bytes,
 * so a U+FFFD the file really holds is text like any other, while a cell
 * whose bytes are no UTF-8 refuses its row (by number, naming the field)
 * and the other rows go in. A BOM selects UTF-16 LE.
 */

const REPLACEMENT = '\uFFFD'

async function failedRows (ws: Pick<TestWorkspace, 'request'>, id: string) {
  const res = await errorsOf(ws, id)
  return parseCsv(res.body).slice(1).map(([rowNumber, reason, raw]) => ({ row: Number(rowNumber), reason, raw }))
}

const lastNames = async (ws: TestWorkspace) =>
  (await allRecords(ws, 'contacts')).map((c) => c.lastName as string).sort()

t.test('the encoding of CSV files', async (t) => {
  // Small batches: the rows of one file go through several transactions.
  const { app } = await importApp(t, { IMPORT_BATCH_ROWS: '3' })

  t.test('a genuine U+FFFD imports as it is; a cell of invalid bytes refuses only its row', async (t) => {
    const ws = await createWorkspace(app, 'Replacement characters')
    const content = Buffer.concat([
      Buffer.from('lastName,firstName,email\n'),
      Buffer.from(`Plain${REPLACEMENT},Ada,ada@example.com\n`),
      Buffer.from(`"Quoted ${REPLACEMENT}, too",${REPLACEMENT},quoted@example.com\n`),
      // Latin-1 bytes: \xe9 alone is no UTF-8.
      Buffer.from('Caf\xe9,Bad,cafe@example.com\n', 'latin1'),
      // A genuine U+FFFD beside a cell whose bytes are broken (a lead byte cut short): the broken one is named.
      Buffer.concat([
        Buffer.from(`Mixed${REPLACEMENT},`),
        Buffer.from([0x41, 0xe2, 0x82]),
        Buffer.from(',mixed@example.com\n')
      ]),
      Buffer.from(`Last${REPLACEMENT}${REPLACEMENT},Grace,grace@example.com`)
    ])
    const done = await runImport(ws, { object: 'contacts' }, { name: 'fffd.csv', content })
    t.match(done, { status: 'succeeded', rowsRead: 5, rowsCreated: 3, rowsFailed: 2 })
    t.same(await failedRows(ws, done.id), [
      { row: 3, reason: 'lastName: is not valid UTF-8', raw: `Caf${REPLACEMENT},Bad,cafe@example.com` },
      { row: 4, reason: 'firstName: is not valid UTF-8', raw: `Mixed${REPLACEMENT},A${REPLACEMENT},mixed@example.com` }
    ])
    const contacts = await allRecords(ws, 'contacts')
    t.same(contacts.map((c) => [c.lastName, c.firstName]).sort(), [
      [`Last${REPLACEMENT}${REPLACEMENT}`, 'Grace'],
      [`Plain${REPLACEMENT}`, 'Ada'],
      [`Quoted ${REPLACEMENT}, too`, REPLACEMENT]
    ], 'the replacement characters are kept, byte for byte')
  })

  t.test('with a UTF-8 BOM and CRLF, and across many chunks of the file', async (t) => {
    const ws = await createWorkspace(app, 'Many rows')
    const lines = ['lastName,email']
    const bad: number[] = []
    const good: string[] = []
    for (let i = 1; i <= 3000; i++) {
      // Long enough that the file spans several read chunks.
      const name = `Row ${i} ${'x'.repeat(100)}`
      if (i % 97 === 0) {
        lines.push(`${name} \u0000BAD\u0000,r${i}@example.com`)
        bad.push(i)
      } else {
        const text = i % 89 === 0 ? `${name} ${REPLACEMENT}` : name
        lines.push(`${text},r${i}@example.com`)
        good.push(text)
      }
    }
    // \u0000BAD\u0000 stands for the bytes 0xC0 0xAF (an overlong "/"), which no UTF-8 decoder accepts.
    const text = `${lines.join('\r\n')}\r\n`
    const pieces = text.split('\u0000BAD\u0000').map((p) => Buffer.from(p))
    const content = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      ...pieces.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from([0xc0, 0xaf]), p]))
    ])
    t.ok(content.length > 256 * 1024, `${content.length} bytes: more than one read of the file`)
    const done = await runImport(ws, { object: 'contacts' }, { name: 'many.csv', content })
    t.match(done, { status: 'succeeded', rowsRead: 3000, rowsCreated: good.length, rowsFailed: bad.length })
    const failed = await failedRows(ws, done.id)
    t.same(failed.map((f) => f.row), bad, 'exactly the rows with invalid bytes, by number')
    t.ok(failed.every((f) => f.reason === 'lastName: is not valid UTF-8'))
    t.same(await lastNames(ws), [...good].sort())
  })

  t.test('invalid bytes in a column the mapping leaves out do not refuse the row', async (t) => {
    const ws = await createWorkspace(app, 'Ignored column')
    const content = Buffer.concat([
      Buffer.from('Surname,Notes\n'),
      Buffer.from('Lovelace,caf\xe9\n', 'latin1'),
      Buffer.from('Caf\xe9,fine\n', 'latin1')
    ])
    const fields = { object: 'contacts', mapping: '{"Surname":"lastName"}' }
    const done = await runImport(ws, fields, { name: 'm.csv', content })
    t.match(done, { rowsCreated: 1, rowsFailed: 1 })
    t.same((await failedRows(ws, done.id)).map((f) => [f.row, f.reason]), [[2, 'lastName: is not valid UTF-8']])
    t.same(await lastNames(ws), ['Lovelace'])
  })

  t.test('a UTF-16 LE file (BOM, CRLF) imports, with its U+FFFD, and refuses its bad rows by number', async (t) => {
    const ws = await createWorkspace(app, 'UTF-16')
    const text = [
      'lastName,firstName,email',
      'Müller,Jürgen,juergen@example.com',
      `"Clef 𝄞, ${REPLACEMENT}",Ünal,clef@example.com`,
      'Broken,Email,not-an-email',
      '東京,太郎,taro@example.com',
      `"Two${'\r\n'}lines",x,two@example.com`
    ].join('\r\n')
    const content = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${text}\r\n`, 'utf16le')])
    const done = await runImport(ws, { object: 'contacts' }, { name: 'utf16.csv', content })
    t.match(done, { status: 'succeeded', rowsRead: 5, rowsCreated: 4, rowsFailed: 1 })
    t.same((await failedRows(ws, done.id)).map((f) => f.row), [3])
    const contacts = await allRecords(ws, 'contacts')
    t.same(contacts.map((c) => [c.lastName, c.firstName]).sort(), [
      [`Clef 𝄞, ${REPLACEMENT}`, 'Ünal'],
      ['Müller', 'Jürgen'],
      ['Two\r\nlines', 'x'],
      ['東京', '太郎']
    ].sort())
  })
})
