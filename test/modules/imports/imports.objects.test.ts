import t from 'tap'
import { convertLead, createLead } from '../../fixtures/leads.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { allRecords, errorsOf, importApp, parseCsv, runImport } from './imports.helpers.js'

/**
 * What an import writes into each collection, read back through the API:
 * CSV and NDJSON, mappings, both modes and every upsert key, and the rows a
 * worker must refuse (schema errors, bad encodings, wrong widths, links to
 * another workspace) while the rest go in.
 */

type Rec = Record<string, unknown>

const byName = (records: Rec[], field: string) =>
  Object.fromEntries(records.map((r) => [String(r[field]), r]))

async function failedRows (ws: Pick<TestWorkspace, 'request'>, id: string) {
  const res = await errorsOf(ws, id)
  return parseCsv(res.body).slice(1).map(([rowNumber, reason]) => ({ row: Number(rowNumber), reason }))
}

t.test('imports into each collection', async (t) => {
  const { app } = await importApp(t)
  const other = await createWorkspace(app, 'Imports other')
  const csv = (name: string, content: string) => ({ name: `${name}.csv`, content })
  const ndjson = (name: string, lines: unknown[]) =>
    ({ name: `${name}.ndjson`, content: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n` })

  t.test('contacts from CSV and NDJSON, with the API\'s defaults', async (t) => {
    const ws = await createWorkspace(app, 'Contacts')
    const fromCsv = await runImport(ws, { object: 'contacts' }, csv('c', [
      'firstName,lastName,email,mailingAddress.city,mailingAddress.country,doNotCall,emailOptOut,leadSource',
      'Ada,Lovelace,ada@example.com,London,GB,true,,referral',
      'Grace,Hopper,grace@example.com,,,0,1,'
    ].join('\n')))
    t.match(fromCsv, { status: 'succeeded', rowsRead: 2, rowsCreated: 2, rowsFailed: 0 })
    const fromNdjson = await runImport(ws, { object: 'contacts' }, ndjson('c', [
      { lastName: 'Curie', email: 'marie@example.com', mailingAddress: { city: 'Paris' }, phone: null }
    ]))
    t.match(fromNdjson, { rowsCreated: 1 })
    const all = byName(await allRecords(ws, 'contacts'), 'lastName')
    t.match(all.Lovelace, {
      firstName: 'Ada',
      email: 'ada@example.com',
      mailingAddress: { street: null, city: 'London', region: null, postalCode: null, country: 'GB' },
      doNotCall: true,
      emailOptOut: false,
      leadSource: 'referral',
      ownerId: ws.userId,
      version: 1
    })
    t.match(all.Hopper, { doNotCall: false, emailOptOut: true, mailingAddress: null, leadSource: null })
    t.match(all.Curie, { mailingAddress: { city: 'Paris', country: null }, phone: null, doNotCall: false })
  })

  t.test('leads, with the workspace currency and status open by default', async (t) => {
    const ws = await createWorkspace(app, 'Leads')
    await runImport(ws, { object: 'leads' }, csv('l', [
      'lastName,company,email,estimatedAmount,numberOfEmployees,status,address.country',
      'Hopper,Globex,grace@globex.example,48000,450,contacted,US'
    ].join('\r\n')))
    const done = await runImport(ws, { object: 'leads' }, ndjson('l', [
      { lastName: 'Turing', estimatedAmount: '12.5', currency: 'GBP', rating: 'hot' }
    ]))
    t.match(done, { rowsCreated: 1 })
    const all = byName(await allRecords(ws, 'leads'), 'lastName')
    t.match(all.Hopper, {
      company: 'Globex',
      estimatedAmount: '48000.00',
      numberOfEmployees: 450,
      status: 'contacted',
      currency: 'EUR',
      address: { country: 'US', city: null },
      ownerId: ws.userId
    })
    t.match(all.Turing, { estimatedAmount: '12.50', currency: 'GBP', rating: 'hot', status: 'open' })
  })

  t.test('accounts, their domain derived from the website', async (t) => {
    const ws = await createWorkspace(app, 'Accounts')
    const done = await runImport(ws, { object: 'accounts' }, csv('a', [
      'name,website,type,annualRevenue,billingAddress.city',
      'Acme,https://www.Acme.example/about,customer,1250000,Berlin',
      'Initech,,prospect,,'
    ].join('\n')))
    t.match(done, { rowsCreated: 2 })
    await runImport(ws, { object: 'accounts' }, ndjson('a', [{ name: 'Globex', website: 'http://globex.example' }]))
    const all = byName(await allRecords(ws, 'accounts'), 'name')
    t.match(all.Acme, {
      domain: 'acme.example',
      type: 'customer',
      annualRevenue: '1250000.00',
      billingAddress: { city: 'Berlin' },
      ownerId: ws.userId
    })
    t.match(all.Initech, { domain: null, website: null })
    t.match(all.Globex, { domain: 'globex.example' })
  })

  t.test('products, active and taxable by default', async (t) => {
    const ws = await createWorkspace(app, 'Products')
    await runImport(ws, { object: 'products' }, csv('p', 'name,sku,unitPrice,isTaxable\nWidget,W-1,1499,false\n'))
    await runImport(ws, { object: 'products' }, ndjson('p', [{ name: 'Gadget', sku: 'G-1', cost: '2.5', vendorName: 'Acme' }]))
    const all = byName(await allRecords(ws, 'products'), 'name')
    t.match(all.Widget, { sku: 'W-1', unitPrice: '1499.00', isActive: true, isTaxable: false, currency: 'EUR' })
    t.match(all.Gadget, { cost: '2.50', vendorName: 'Acme', isActive: true, isTaxable: true })
  })

  t.test('maps file columns to fields; other columns are ignored', async (t) => {
    const ws = await createWorkspace(app, 'Mapping')
    const mapping = JSON.stringify({ Surname: 'lastName', 'E-mail': 'email', Town: 'mailingAddress.city' })
    const done = await runImport(ws, { object: 'contacts', mapping }, csv('m', [
      'Surname,Notes,E-mail,Town',
      'Lovelace,ignored,ada@example.com,London'
    ].join('\n')))
    t.match(done, { rowsCreated: 1, mapping: { Surname: 'lastName' } })
    const nd = await runImport(ws, { object: 'contacts', mapping: JSON.stringify({ surname: 'lastName', town: 'mailingAddress.city' }) },
      ndjson('m', [{ surname: 'Hopper', town: 'Arlington', extra: true }]))
    t.match(nd, { rowsCreated: 1, rowsFailed: 0 })
    const all = byName(await allRecords(ws, 'contacts'), 'lastName')
    t.match(all.Lovelace, { email: 'ada@example.com', mailingAddress: { city: 'London' }, description: null })
    t.match(all.Hopper, { mailingAddress: { city: 'Arlington' } })
  })

  t.test('upserts contacts and leads by email, ignoring case', async (t) => {
    const ws = await createWorkspace(app, 'Upsert by email')
    await runImport(ws, { object: 'contacts' }, csv('c', 'lastName,email,title,phone\nLovelace,ada@example.com,Countess,+44 1\n'))
    const done = await runImport(ws, { object: 'contacts', mode: 'upsert', upsertKey: 'email' }, csv('c', [
      'lastName,email,title,phone',
      'Lovelace,ADA@example.com,Analyst,',
      'Hopper,grace@example.com,,',
      'Lovelace,ADA@example.com,Analyst,'
    ].join('\n')))
    t.match(done, { upsertKey: 'email', rowsRead: 3, rowsCreated: 1, rowsUpdated: 1, rowsSkipped: 1, rowsFailed: 0 })
    const all = byName(await allRecords(ws, 'contacts'), 'lastName')
    t.match(all.Lovelace, { email: 'ADA@example.com', title: 'Analyst', phone: '+44 1', version: 2 },
      'an empty cell keeps the stored value')
    t.equal(Object.keys(all).length, 2)
    const nd = await runImport(ws, { object: 'contacts', mode: 'upsert' },
      ndjson('c', [{ lastName: 'Lovelace', email: 'ada@EXAMPLE.com', phone: null }]))
    t.match(nd, { rowsUpdated: 1 })
    const again = byName(await allRecords(ws, 'contacts'), 'lastName')
    t.match(again.Lovelace, { phone: null, title: 'Analyst', version: 3 }, 'NDJSON null clears')

    const lead = await createLead(ws, { lastName: 'Turing', email: 'alan@example.com', company: 'NPL' })
    const leads = await runImport(ws, { object: 'leads', mode: 'upsert' }, ndjson('l', [
      { lastName: 'Turing', email: 'Alan@Example.com', rating: 'hot' },
      { lastName: 'Shannon', email: 'claude@example.com' }
    ]))
    t.match(leads, { rowsCreated: 1, rowsUpdated: 1 })
    const allLeads = byName(await allRecords(ws, 'leads'), 'lastName')
    t.match(allLeads.Turing, { id: lead.id, rating: 'hot', company: 'NPL', version: 2 })
  })

  t.test('upserts products by SKU and accounts by domain or name', async (t) => {
    const ws = await createWorkspace(app, 'Upsert by sku')
    await runImport(ws, { object: 'products' }, csv('p', 'name,sku,unitPrice\nWidget,W-1,10\n'))
    const products = await runImport(ws, { object: 'products', mode: 'upsert' }, csv('p', 'name,sku,unitPrice\nWidget v2,w-1,12\nGadget,G-1,\n'))
    t.match(products, { upsertKey: 'sku', rowsCreated: 1, rowsUpdated: 1 })
    const allProducts = byName(await allRecords(ws, 'products'), 'sku')
    t.match(allProducts['w-1'], { name: 'Widget v2', unitPrice: '12.00', version: 2 }, 'the SKU as the row gives it')
    t.equal(Object.keys(allProducts).length, 2)

    await runImport(ws, { object: 'accounts' }, csv('a', 'name,website,industry\nAcme,https://acme.example,Tools\n'))
    const byDomain = await runImport(ws, { object: 'accounts', mode: 'upsert' },
      csv('a', 'name,website,industry\nAcme Corp,https://www.ACME.example/home,\nBeta,,Food\n'))
    t.match(byDomain, { upsertKey: 'domain', rowsCreated: 1, rowsUpdated: 1 })
    const byNameRun = await runImport(ws, { object: 'accounts', mode: 'upsert', upsertKey: 'name' },
      csv('a', 'name,industry\n  acme corp ,Hardware\nGamma,\n'))
    t.match(byNameRun, { upsertKey: 'name', rowsCreated: 1, rowsUpdated: 1 })
    const accounts = byName(await allRecords(ws, 'accounts'), 'name')
    t.match(accounts['  acme corp '], { domain: 'acme.example', industry: 'Hardware', version: 3 })
    t.match(accounts.Beta, { industry: 'Food' })
    t.ok(accounts.Gamma)
    t.equal(Object.keys(accounts).length, 3)
  })

  t.test('create mode skips a contact email or product SKU that exists; leads may repeat', async (t) => {
    const ws = await createWorkspace(app, 'Create duplicates')
    await runImport(ws, { object: 'contacts' }, csv('c', 'lastName,email\nA,a@example.com\n'))
    const contacts = await runImport(ws, { object: 'contacts' },
      csv('c', 'lastName,email\nA2,A@example.com\nB,b@example.com\nB2,b@example.com\nC,\nD,\n'))
    t.match(contacts, { rowsRead: 5, rowsCreated: 3, rowsSkipped: 2, rowsFailed: 0 })
    t.same((await allRecords(ws, 'contacts')).map((c) => c.lastName).sort(), ['A', 'B', 'C', 'D'])
    const products = await runImport(ws, { object: 'products' }, csv('p', 'name,sku\nX,S-1\nY,s-1\n'))
    t.match(products, { rowsCreated: 1, rowsSkipped: 1 })
    const leads = await runImport(ws, { object: 'leads' }, csv('l', 'lastName,email\nL,l@example.com\nL,l@example.com\n'))
    t.match(leads, { rowsCreated: 2 })
  })

  t.test('refuses an upsert matching several records, or a converted lead', async (t) => {
    const ws = await createWorkspace(app, 'Upsert refusals')
    await createLead(ws, { lastName: 'Twin', email: 'twin@example.com' })
    await createLead(ws, { lastName: 'Twin', email: 'TWIN@example.com' })
    const converted = await createLead(ws, { lastName: 'Done', email: 'done@example.com', status: 'qualified' })
    const conversion = await convertLead(ws, converted.id)
    t.ok([200, 201].includes(conversion.statusCode), conversion.body)
    const done = await runImport(ws, { object: 'leads', mode: 'upsert' },
      csv('l', 'lastName,email\nTwin,twin@example.com\nDone,done@example.com\n'))
    t.match(done, { rowsFailed: 2, rowsUpdated: 0, rowsCreated: 0 })
    t.same(await failedRows(ws, done.id), [
      { row: 1, reason: '2 records of this workspace have this key; an upsert must match at most one' },
      { row: 2, reason: `lead ${converted.id} is converted and no longer changes` }
    ])
  })

  t.test('fails rows that link to records of another workspace', async (t) => {
    const ws = await createWorkspace(app, 'Links')
    await runImport(ws, { object: 'accounts' }, csv('a', 'name,type\nOwn,vendor\n'))
    const [own] = await allRecords(ws, 'accounts')
    await runImport(other, { object: 'accounts' }, csv('a', 'name,type\nForeign,vendor\n'))
    const [foreign] = await allRecords(other, 'accounts')
    const ownId = (own as Rec).id as string
    const foreignId = (foreign as Rec).id as string
    const done = await runImport(ws, { object: 'contacts' }, csv('c', [
      'lastName,accountId,ownerId',
      `A,${ownId},`,
      `B,${foreignId},`,
      `C,,${other.userId}`,
      'D,00000000-0000-4000-8000-000000000000,'
    ].join('\n')))
    t.match(done, { rowsCreated: 1, rowsFailed: 3 })
    t.same(await failedRows(ws, done.id), [
      { row: 2, reason: `accountId: no account with id ${foreignId}` },
      { row: 3, reason: `ownerId: no user with id ${other.userId} (an owner must be an active user of this workspace)` },
      { row: 4, reason: 'accountId: no account with id 00000000-0000-4000-8000-000000000000' }
    ])
    const products = await runImport(ws, { object: 'products' }, csv('p', [
      'name,vendorAccountId,vendorName',
      `P1,${ownId},`,
      `P2,${foreignId},`,
      `P3,${ownId},Acme`
    ].join('\n')))
    t.match(products, { rowsCreated: 1, rowsFailed: 2 })
    t.same(await failedRows(ws, products.id), [
      { row: 2, reason: `vendorAccountId: no account with id ${foreignId} (a vendor must be an account of type vendor)` },
      { row: 3, reason: 'vendorAccountId, vendorName: a product has either vendorAccountId or vendorName, not both; set the other to null' }
    ])
    t.same((await allRecords(ws, 'contacts')).map((c) => c.lastName), ['A'])
  })

  t.test('refuses an account that would become its own ancestor', async (t) => {
    const ws = await createWorkspace(app, 'Trees')
    await runImport(ws, { object: 'accounts' }, csv('a', 'name\nRoot\nChild\n'))
    const ids = Object.fromEntries((await allRecords(ws, 'accounts')).map((a) => [a.name, a.id as string]))
    await runImport(ws, { object: 'accounts', mode: 'upsert', upsertKey: 'name' }, csv('a', `name,parentAccountId\nChild,${ids.Root}\n`))
    const done = await runImport(ws, { object: 'accounts', mode: 'upsert', upsertKey: 'name' },
      csv('a', `name,parentAccountId\nRoot,${ids.Child}\nChild,${ids.Child}\n`))
    t.match(done, { rowsFailed: 2, rowsUpdated: 0 })
    t.match((await failedRows(ws, done.id)).map((r) => r.reason), [/cannot be its own parent/, /cannot be its own parent/])
    const accounts = byName(await allRecords(ws, 'accounts'), 'name')
    t.equal(accounts.Root?.parentAccountId, null)
    t.equal(accounts.Child?.parentAccountId, ids.Root)
    // Neither row makes a loop alone; together, in one batch, they would.
    await runImport(ws, { object: 'accounts' }, csv('a', 'name\nX\nY\n'))
    const more = Object.fromEntries((await allRecords(ws, 'accounts')).map((a) => [a.name, a.id as string]))
    const loop = await runImport(ws, { object: 'accounts', mode: 'upsert', upsertKey: 'name' },
      csv('a', `name,parentAccountId,industry\nX,${more.Y},\nY,${more.X},\nRoot,,Tools\n`))
    t.match(loop, { rowsFailed: 2, rowsUpdated: 1 })
    t.same((await failedRows(ws, loop.id)).map((r) => r.row), [1, 2])
    const after = byName(await allRecords(ws, 'accounts'), 'name')
    t.equal(after.X?.parentAccountId, null)
    t.equal(after.Y?.parentAccountId, null)
    t.equal(after.Root?.industry, 'Tools')
  })

  t.test('reports bad rows by number and reason, and imports the rest', async (t) => {
    const ws = await createWorkspace(app, 'Bad rows')
    const content = Buffer.concat([
      Buffer.from('lastName,email,doNotCall,mailingAddress.country\n'),
      Buffer.from('Good,good@example.com,false,DE\n'),
      Buffer.from('Bad\xff\xfeBytes,x@example.com,,\n', 'latin1'),
      Buffer.from('Short,short@example.com\n'),
      Buffer.from('Long,long@example.com,true,DE,extra\n'),
      Buffer.from('Typed,typed@example.com,maybe,Germany\n'),
      Buffer.from(',empty@example.com,,\n'),
      Buffer.from('Nul\u0000,nul@example.com,,\n'),
      Buffer.from('Fine,fine@example.com,1,\n')
    ])
    const done = await runImport(ws, { object: 'contacts' }, { name: 'bad.csv', content })
    t.match(done, { status: 'succeeded', rowsRead: 8, rowsCreated: 2, rowsFailed: 6 })
    t.same(await failedRows(ws, done.id), [
      { row: 2, reason: 'lastName: is not valid UTF-8' },
      { row: 3, reason: 'the row has 2 columns; the header has 4' },
      { row: 4, reason: 'the row has 5 columns; the header has 4' },
      { row: 5, reason: 'doNotCall must be boolean; mailingAddress.country must match pattern "^[A-Z]{2}$"' },
      { row: 6, reason: 'lastName is required' },
      { row: 7, reason: 'lastName: text must not contain NUL characters' }
    ])
    const nd = await runImport(ws, { object: 'leads' }, {
      name: 'bad.ndjson',
      content: Buffer.concat([
        Buffer.from('\xef\xbb\xbf{"lastName":"Bom"}\n', 'latin1'),
        Buffer.from('{"lastName":"Bad\xc3\x28"}\n', 'latin1'),
        Buffer.from('\n   \n{"lastName":"\\u0000"}\r\n{"lastName":"Ok","score":5}\n{"lastName":"Crlf"}\r\n{"lastName":"NoNewline"}')
      ])
    })
    t.match(nd, { rowsRead: 6, rowsCreated: 3, rowsFailed: 3 })
    t.same(await failedRows(ws, nd.id), [
      { row: 2, reason: 'the line is not valid UTF-8' },
      { row: 3, reason: 'text must not contain NUL characters' },
      { row: 4, reason: 'score is not a known property' }
    ])
    t.same((await allRecords(ws, 'leads')).map((l) => l.lastName).sort(), ['Bom', 'Crlf', 'NoNewline'])
  })

  t.test('fails the import, writing nothing, when a column it needs is missing', async (t) => {
    const ws = await createWorkspace(app, 'Missing columns')
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ object: 'contacts' }, 'firstName,email\nAda,ada@example.com\n', /no column gives lastName, which every contact needs/],
      [{ object: 'contacts', mapping: '{"Surname":"lastName"}' }, 'lastName\nLovelace\n', /no column "Surname", which the mapping names/],
      [{ object: 'contacts' }, 'lastName,Surname\nA,B\n', /the column "Surname" names no field of contacts; give a mapping/],
      [{ object: 'contacts' }, 'lastName,lastName\nA,B\n', /names the column "lastName" twice/],
      [{ object: 'accounts' }, 'name,billingAddress\nA,B\n', /"billingAddress" names no field/],
      [{ object: 'contacts' }, '\n\n', /the file is empty/],
      [{ object: 'contacts' }, 'lastName\n"unclosed\n', /not valid CSV/]
    ]
    for (const [fields, content, error] of cases) {
      const done = await runImport(ws, fields, csv('m', content))
      t.equal(done.status, 'failed', content)
      t.match(done.error, error)
      t.equal(done.rowsCreated, 0)
      let job = await ws.request({ method: 'GET', url: `/v1/jobs/${done.jobId}` })
      for (let i = 0; i < 200 && job.json().status !== 'failed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        job = await ws.request({ method: 'GET', url: `/v1/jobs/${done.jobId}` })
      }
      t.match(job.json(), { status: 'failed', attempts: 1 }, 'failed without retries')
    }
    t.same(await allRecords(ws, 'contacts'), [])
  })

  t.test('a later row with the same key updates what an earlier one made', async (t) => {
    const ws = await createWorkspace(app, 'Repeated keys')
    const done = await runImport(ws, { object: 'contacts', mode: 'upsert' }, csv('r', [
      'lastName,email,title',
      'First,same@example.com,One',
      'Second,SAME@example.com,',
      'Third,same@example.com,Three'
    ].join('\n')))
    t.match(done, { rowsCreated: 1, rowsUpdated: 2 })
    const [only, ...rest] = await allRecords(ws, 'contacts')
    t.same(rest, [])
    t.match(only, { lastName: 'Third', title: 'Three', email: 'same@example.com', version: 3 })
  })
})
