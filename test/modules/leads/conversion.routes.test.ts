import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { campaigns } from '../../../src/modules/campaigns/campaigns.table.js'
import { opportunityContactRoles } from '../../../src/modules/opportunities/contact-roles/contact-roles.table.js'
import { createCampaign } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { conversionCounts, convertLead, createLead } from '../../fixtures/leads.js'
import { assertFullProblem, assertProblem, problemShape } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// POST /v1/leads/{leadId}/convert against the real app, Postgres and Redis.
// Every record is made and read through the API; the contact roles, which
// have no route of this module, are read straight from their table.

const app = await buildTestApp(t)
const db = app.deps.db

type Caller = Pick<TestWorkspace, 'request'>

const get = async (ws: Caller, url: string) => {
  const res = await ws.request({ method: 'GET', url })
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function createAccount (ws: Caller, payload: Record<string, unknown>) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload })
  if (res.statusCode !== 201) throw new Error(`account create failed: ${res.body}`)
  return res.json()
}

async function rolesOf (workspaceId: string, opportunityId: string) {
  return db
    .select({
      contactId: opportunityContactRoles.contactId,
      role: opportunityContactRoles.role,
      isPrimary: opportunityContactRoles.isPrimary
    })
    .from(opportunityContactRoles)
    .where(and(
      eq(opportunityContactRoles.workspaceId, workspaceId),
      eq(opportunityContactRoles.opportunityId, opportunityId)
    ))
}

const pointers = (problem: { errors: { pointer: string }[] }) =>
  problem.errors.map((e) => e.pointer)

const FULL_LEAD = {
  firstName: 'Grace',
  lastName: 'Hopper',
  email: 'grace@globex.example',
  phone: '+1 555 0142',
  company: 'Globex Corporation',
  title: 'Head of Engineering',
  website: 'https://www.globex.example',
  industry: 'Software',
  numberOfEmployees: 450,
  address: { street: '1 Market St', city: 'San Francisco', postalCode: '94105', country: 'US' },
  source: 'web',
  status: 'qualified',
  estimatedAmount: '48000.50',
  currency: 'USD',
  doNotCall: true,
  emailOptOut: true
}
const ADDRESS = { ...FULL_LEAD.address, region: null }

t.test('converts a lead into a new account, contact and opportunity', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws, { ...FULL_LEAD, campaignId: campaign.id })

  const res = await convertLead(ws, lead.id)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.match(body, {
    dryRun: false,
    account: { action: 'created', matchedBy: null, filledFields: [] },
    contact: { action: 'created', matchedBy: null, filledFields: [] },
    opportunity: { action: 'created' },
    duplicates: []
  })
  const { account, contact, opportunity } = body

  t.match(await get(ws, `/v1/accounts/${account.id}`), {
    name: 'Globex Corporation',
    website: FULL_LEAD.website,
    domain: 'globex.example',
    industry: 'Software',
    phone: FULL_LEAD.phone,
    numberOfEmployees: 450,
    billingAddress: ADDRESS,
    shippingAddress: null,
    email: null,
    ownerId: ws.userId,
    version: 1
  })
  t.match(await get(ws, `/v1/contacts/${contact.id}`), {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: FULL_LEAD.email,
    phone: FULL_LEAD.phone,
    title: FULL_LEAD.title,
    mailingAddress: ADDRESS,
    doNotCall: true,
    emailOptOut: true,
    leadSource: 'web',
    accountId: account.id,
    ownerId: ws.userId
  })
  t.match(await get(ws, `/v1/opportunities/${opportunity.id}`), {
    name: 'Globex Corporation – Grace Hopper',
    accountId: account.id,
    contactId: contact.id,
    stage: 'prospecting',
    probability: 10,
    amount: '48000.50',
    currency: 'USD',
    source: 'web',
    campaignId: campaign.id,
    leadId: lead.id,
    ownerId: ws.userId,
    isClosed: false
  })
  t.same(await rolesOf(ws.workspaceId, opportunity.id), [
    { contactId: contact.id, role: 'decision_maker', isPrimary: true }
  ], 'the contact is the primary contact, a decision maker by default')

  const converted = await get(ws, `/v1/leads/${lead.id}`)
  t.same(body.lead, converted, 'the answer holds the lead as stored')
  t.match(converted, {
    status: 'converted',
    convertedAccountId: account.id,
    convertedContactId: contact.id,
    convertedOpportunityId: opportunity.id,
    version: 2
  })
  t.ok(Date.parse(converted.convertedAt) >= Date.parse(lead.createdAt))

  const bare = await createLead(ws, { company: null, email: null, status: 'open' })
  const plain = await ws.request({ method: 'POST', url: `/v1/leads/${bare.id}/convert` })
  t.equal(plain.statusCode, 200, 'no body at all is the same as {}')
  const named = await get(ws, `/v1/accounts/${plain.json().account.id}`)
  t.equal(named.name, 'Grace Hopper', 'without a company the account is named for the person')
  const opp = await get(ws, `/v1/opportunities/${plain.json().opportunity.id}`)
  t.equal(opp.name, 'Grace Hopper – Grace Hopper')
  t.equal(opp.amount, null)
  t.equal(opp.currency, 'EUR')
})

t.test('takes the caller\'s opportunity values, role and owner', async (t) => {
  const ws = await createWorkspace(app)
  const sales = await createUser(app, ws, 'sales')
  const manager = await createUser(app, ws, 'manager')
  const lead = await createLead(ws, { ...FULL_LEAD, ownerId: manager.id })

  const res = await convertLead(sales, lead.id, {
    opportunity: {
      name: 'Globex: 450 seats',
      stage: 'proposal',
      amount: '90000',
      probability: 65,
      closeDate: '2027-03-31',
      type: 'new_business',
      nextStep: 'Send the quote',
      description: 'From the webinar'
    },
    contactRole: 'economic_buyer',
    ownerId: sales.id
  })
  t.equal(res.statusCode, 200, res.body)
  const { account, contact, opportunity } = res.json()
  t.match(await get(ws, `/v1/opportunities/${opportunity.id}`), {
    name: 'Globex: 450 seats',
    stage: 'proposal',
    amount: '90000.00',
    probability: 65,
    closeDate: '2027-03-31',
    type: 'new_business',
    nextStep: 'Send the quote',
    description: 'From the webinar',
    ownerId: sales.id
  })
  t.equal((await get(ws, `/v1/accounts/${account.id}`)).ownerId, sales.id)
  t.equal((await get(ws, `/v1/contacts/${contact.id}`)).ownerId, sales.id)
  t.same(await rolesOf(ws.workspaceId, opportunity.id), [
    { contactId: contact.id, role: 'economic_buyer', isPrimary: true }
  ])

  // Without ownerId the lead's owner owns what is made, while active; else the caller.
  const owned = await createLead(ws, { ownerId: manager.id, company: 'Initech', email: null })
  const byLeadOwner = (await convertLead(sales, owned.id)).json()
  t.equal((await get(ws, `/v1/accounts/${byLeadOwner.account.id}`)).ownerId, manager.id)
  const orphan = await createLead(ws, { ownerId: manager.id, company: 'Hooli', email: null })
  await ws.request({ method: 'PATCH', url: `/v1/users/${manager.id}`, payload: { isActive: false } })
  const byCaller = (await convertLead(sales, orphan.id)).json()
  t.equal((await get(ws, `/v1/accounts/${byCaller.account.id}`)).ownerId, sales.id)
  t.equal((await get(ws, `/v1/opportunities/${byCaller.opportunity.id}`)).ownerId, sales.id)

  const closed = await createLead(ws, { company: 'Umbrella', email: null })
  const lost = await convertLead(ws, closed.id, { opportunity: { stage: 'closed_lost' } })
  const problem = assertProblem(t, lost, 422, 'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
  t.equal(problem.errors[0].pointer, '/opportunity/lossReason', 'pointers lead into /opportunity')
  const withReason = await convertLead(ws, closed.id, {
    opportunity: { stage: 'closed_lost', lossReason: 'No budget this year' }
  })
  t.equal(withReason.statusCode, 200, withReason.body)
  t.match(await get(ws, `/v1/opportunities/${withReason.json().opportunity.id}`), {
    isClosed: true, isWon: false, lossReason: 'No budget this year', probability: 0
  })
})

t.test('reuses an account with the lead\'s domain, filling only its empty fields', async (t) => {
  const ws = await createWorkspace(app)
  const oldest = await createAccount(ws, {
    name: 'Globex (EMEA)', website: 'https://globex.example/emea', industry: 'Aerospace'
  })
  const younger = await createAccount(ws, { name: 'Globex US', website: 'http://www.GLOBEX.example' })
  await createAccount(ws, { name: 'Globex Corporation' })
  const lead = await createLead(ws, FULL_LEAD)

  const res = await convertLead(ws, lead.id)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(body.account, {
    id: oldest.id,
    action: 'reused',
    matchedBy: 'domain',
    filledFields: ['phone', 'numberOfEmployees', 'billingAddress']
  }, 'the oldest account of the domain; the domain wins over the name')
  t.same(body.duplicates, [{ resource: 'account', id: younger.id, reason: 'same_domain' }])
  t.match(await get(ws, `/v1/accounts/${oldest.id}`), {
    name: 'Globex (EMEA)',
    website: 'https://globex.example/emea',
    industry: 'Aerospace',
    phone: FULL_LEAD.phone,
    numberOfEmployees: 450,
    billingAddress: ADDRESS,
    version: 2
  }, 'what was there stays; the empty fields are filled')
  t.equal((await get(ws, `/v1/accounts/${younger.id}`)).version, 1, 'a duplicate is left alone')
  t.equal(body.contact.action, 'created')
  t.equal((await get(ws, `/v1/contacts/${body.contact.id}`)).accountId, oldest.id)

  // Without a website the email's domain counts, unless it is a free-mail one.
  const initech = await createAccount(ws, { name: 'Initech', website: 'https://initech.example' })
  const byEmail = await createLead(ws, {
    company: 'Initech Inc', email: 'peter@initech.example', website: null
  })
  const matched = (await convertLead(ws, byEmail.id)).json()
  t.same(matched.account, { id: initech.id, action: 'reused', matchedBy: 'domain', filledFields: [] })

  await createAccount(ws, { name: 'Gmail', website: 'https://gmail.com' })
  const freeMail = await createLead(ws, { company: 'Vandelay Industries', email: 'art@gmail.com' })
  const fresh = (await convertLead(ws, freeMail.id)).json()
  t.match(fresh.account, { action: 'created', matchedBy: null })
  t.equal((await get(ws, `/v1/accounts/${fresh.account.id}`)).name, 'Vandelay Industries')
})

t.test('reuses an account named like the lead\'s company', async (t) => {
  const ws = await createWorkspace(app)
  const first = await createAccount(ws, { name: 'Hooli', phone: '+1 555 0100' })
  const second = await createAccount(ws, { name: 'HOOLI' })
  await createAccount(ws, { name: 'Hooli XYZ' })
  const lead = await createLead(ws, {
    company: '  hooli ', email: 'gavin@gmail.com', phone: '+1 555 0199', industry: 'Tech'
  })

  const body = (await convertLead(ws, lead.id)).json()
  t.same(body.account, {
    id: first.id, action: 'reused', matchedBy: 'name', filledFields: ['industry']
  })
  t.same(body.duplicates, [{ resource: 'account', id: second.id, reason: 'same_name' }])
  t.match(await get(ws, `/v1/accounts/${first.id}`), { phone: '+1 555 0100', industry: 'Tech' })
})

t.test('reuses the contact with the lead\'s email, filling only its empty fields', async (t) => {
  const ws = await createWorkspace(app)
  const existing = await createContact(ws, {
    firstName: 'Gracie',
    lastName: 'Hopper-Smith',
    email: 'GRACE@globex.example',
    phone: '+1 555 0000',
    doNotCall: false
  })
  const lead = await createLead(ws, FULL_LEAD)

  const body = (await convertLead(ws, lead.id)).json()
  t.same(body.contact, {
    id: existing.id,
    action: 'reused',
    matchedBy: 'email',
    filledFields: ['title', 'mailingAddress', 'leadSource', 'accountId']
  })
  t.match(await get(ws, `/v1/contacts/${existing.id}`), {
    firstName: 'Gracie',
    lastName: 'Hopper-Smith',
    email: 'GRACE@globex.example',
    phone: '+1 555 0000',
    title: FULL_LEAD.title,
    mailingAddress: ADDRESS,
    leadSource: 'web',
    accountId: body.account.id,
    doNotCall: false,
    emailOptOut: false,
    version: 2
  }, 'typed values and flags stay as they were')
  t.same(body.duplicates, [])

  // The contact with the email works elsewhere: it is still the person, and flagged.
  const elsewhere = await createAccount(ws, { name: 'Elsewhere' })
  const moved = await createContact(ws, { email: 'alan@bletchley.example', accountId: elsewhere.id })
  const other = await createLead(ws, {
    company: 'Bletchley Park', email: 'Alan@Bletchley.example', website: null
  })
  const flagged = (await convertLead(ws, other.id)).json()
  t.match(flagged.account, { action: 'created' })
  t.same(flagged.contact, { id: moved.id, action: 'reused', matchedBy: 'email', filledFields: [] })
  t.same(flagged.duplicates, [{ resource: 'contact', id: moved.id, reason: 'same_email' }])
  t.equal((await get(ws, `/v1/contacts/${moved.id}`)).accountId, elsewhere.id, 'never moved')
})

t.test('uses the account and the contact the caller names', async (t) => {
  const ws = await createWorkspace(app)
  const chosen = await createAccount(ws, { name: 'Chosen Ltd' })
  const other = await createAccount(ws, { name: 'Other Ltd' })
  await createAccount(ws, { name: 'Globex Corporation', website: 'https://globex.example' })
  const colleague = await createContact(ws, { accountId: chosen.id, title: null, phone: null })
  const free = await createContact(ws, { title: 'CTO' })
  const stranger = await createContact(ws, { accountId: other.id })

  const lead = await createLead(ws, FULL_LEAD)
  const res = await convertLead(ws, lead.id, { accountId: chosen.id, contactId: colleague.id })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(body.account, {
    id: chosen.id,
    action: 'reused',
    matchedBy: 'caller',
    filledFields: ['website', 'industry', 'phone', 'numberOfEmployees', 'billingAddress']
  })
  t.same(body.contact, {
    id: colleague.id,
    action: 'reused',
    matchedBy: 'caller',
    filledFields: ['phone', 'title', 'mailingAddress', 'leadSource']
  }, 'its own email stays; the lead\'s is not copied over it')
  t.same(body.duplicates, [], 'a named account reports no domain matches')
  t.equal((await get(ws, `/v1/accounts/${chosen.id}`)).domain, 'globex.example', 'derived as usual')

  // A contact of no account is moved to the chosen one.
  const second = await createLead(ws, { email: 'x@y.example', company: null })
  const moved = (await convertLead(ws, second.id, { accountId: chosen.id, contactId: free.id })).json()
  t.ok(moved.contact.filledFields.includes('accountId'))
  t.match(await get(ws, `/v1/contacts/${free.id}`), { accountId: chosen.id, title: 'CTO' })

  // The lead's email is another contact's: that one is reported, the address not copied.
  const holder = await createContact(ws, { email: 'holder@initech.example', accountId: chosen.id })
  const nameless = await createContact(ws, { email: null, accountId: chosen.id })
  const third = await createLead(ws, { email: 'holder@initech.example', company: null })
  const named = (await convertLead(ws, third.id, { accountId: chosen.id, contactId: nameless.id })).json()
  t.same(named.duplicates, [{ resource: 'contact', id: holder.id, reason: 'same_email' }])
  t.notOk(named.contact.filledFields.includes('email'))
  t.equal((await get(ws, `/v1/contacts/${nameless.id}`)).email, null)

  // A contact of another account is refused, and nothing changes.
  const before = await conversionCounts(app, ws.workspaceId)
  const fourth = await createLead(ws, { company: null, email: null })
  const refused = await convertLead(ws, fourth.id, { accountId: chosen.id, contactId: stranger.id })
  const problem = assertFullProblem(t, refused, 422, 'CRM_LEAD_CONVERSION_CONTACT_MISMATCH')
  t.same(pointers(problem), ['/contactId'])
  t.match(problem.detail, other.id)
  const matched = await convertLead(ws, fourth.id, { contactId: stranger.id })
  assertProblem(t, matched, 422, 'CRM_LEAD_CONVERSION_CONTACT_MISMATCH')
  t.same(await conversionCounts(app, ws.workspaceId), before)
  t.equal((await get(ws, `/v1/leads/${fourth.id}`)).version, 1)
  t.equal((await get(ws, `/v1/contacts/${stranger.id}`)).version, 1)
})

t.test('refuses ids that are not live records of the workspace, all at once', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const lead = await createLead(ws)
  const gone = await createAccount(ws, { name: 'Gone' })
  await ws.request({ method: 'DELETE', url: `/v1/accounts/${gone.id}` })
  const readonly = await createUser(app, ws, 'readonly')
  await ws.request({ method: 'PATCH', url: `/v1/users/${readonly.id}`, payload: { isActive: false } })

  const res = await convertLead(ws, lead.id, {
    accountId: gone.id, contactId: randomUUID(), ownerId: readonly.id
  })
  const problem = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
  t.same(pointers(problem), ['/accountId', '/contactId', '/ownerId'])

  const foreignAccount = await createAccount(other, { name: 'Foreign' })
  const foreignContact = await createContact(other)
  for (const [field, foreign] of [
    ['accountId', foreignAccount.id], ['contactId', foreignContact.id], ['ownerId', other.userId]
  ] as const) {
    const a = await convertLead(ws, lead.id, { [field]: foreign })
    const b = await convertLead(ws, lead.id, { [field]: randomUUID() })
    assertProblem(t, a, 422, 'CRM_INVALID_REFERENCE')
    t.equal(problemShape(a), problemShape(b), `a foreign ${field} fails like a never-used one`)
  }
  t.equal((await get(ws, `/v1/leads/${lead.id}`)).version, 1)
  t.equal((await get(other, `/v1/accounts/${foreignAccount.id}`)).version, 1)
  t.equal((await get(other, `/v1/contacts/${foreignContact.id}`)).version, 1)
})

t.test('converts without an opportunity when asked', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, FULL_LEAD)
  const contradictory = await convertLead(ws, lead.id, {
    createOpportunity: false, opportunity: { name: 'X' }
  })
  const problem = assertProblem(t, contradictory, 400, 'CRM_VALIDATION_ERROR')
  t.equal(problem.errors[0].pointer, '/opportunity')

  const res = await convertLead(ws, lead.id, { createOpportunity: false })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().opportunity, null)
  t.equal(res.json().lead.convertedOpportunityId, null)
  t.match(await conversionCounts(app, ws.workspaceId), {
    accounts: 1, contacts: 1, opportunities: 0, contactRoles: 0, convertedLeads: 1
  })
})

t.test('a dry run answers the same plan and writes nothing', async (t) => {
  const ws = await createWorkspace(app)
  const account = await createAccount(ws, { name: 'Globex', website: 'https://globex.example' })
  const twin = await createAccount(ws, { name: 'Globex 2', website: 'https://globex.example' })
  const lead = await createLead(ws, FULL_LEAD)
  const before = await conversionCounts(app, ws.workspaceId)

  const dry = await convertLead(ws, lead.id, { dryRun: true, contactRole: 'influencer' })
  t.equal(dry.statusCode, 200, dry.body)
  const plan = dry.json()
  t.same(plan.lead, lead, 'the lead is shown as it stays')
  t.same(plan.account, {
    id: account.id,
    action: 'reused',
    matchedBy: 'domain',
    filledFields: ['industry', 'phone', 'numberOfEmployees', 'billingAddress']
  })
  t.same(plan.contact, { id: null, action: 'created', matchedBy: null, filledFields: [] })
  t.same(plan.opportunity, { id: null, action: 'created' })
  t.same(plan.duplicates, [{ resource: 'account', id: twin.id, reason: 'same_domain' }])
  t.same(await conversionCounts(app, ws.workspaceId), before, 'nothing was made')
  t.equal((await get(ws, `/v1/accounts/${account.id}`)).version, 1, 'nothing was filled')
  t.same(await get(ws, `/v1/leads/${lead.id}`), lead)

  const real = (await convertLead(ws, lead.id, { contactRole: 'influencer' })).json()
  t.equal(real.dryRun, false)
  const planned = {
    ...real,
    lead: null,
    dryRun: true,
    contact: { ...real.contact, id: null },
    opportunity: { ...real.opportunity, id: null }
  }
  t.same(
    planned,
    { ...plan, lead: null },
    'the real conversion does what the dry run said'
  )

  // Its refusals are the real ones too.
  const again = await convertLead(ws, lead.id, { dryRun: true })
  assertProblem(t, again, 409, 'CRM_LEAD_CONVERTED')
  const fresh = await createLead(ws)
  const badStage = await convertLead(ws, fresh.id, { dryRun: true, opportunity: { stage: 'won' } })
  assertProblem(t, badStage, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN')
})

t.test('reports other unconverted leads with the same email', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, { email: 'grace@globex.example' })
  const twin = await createLead(ws, { email: 'Grace@Globex.example', status: 'unqualified' })
  const converted = await createLead(ws, { email: 'grace@globex.example' })
  await convertLead(ws, converted.id, { createOpportunity: false })
  const deleted = await createLead(ws, { email: 'grace@globex.example' })
  await ws.request({ method: 'DELETE', url: `/v1/leads/${deleted.id}` })
  const other = await createWorkspace(app)
  await createLead(other, { email: 'grace@globex.example' })

  const body = (await convertLead(ws, lead.id)).json()
  t.same(body.duplicates, [{ resource: 'lead', id: twin.id, reason: 'same_email' }])
  t.equal(body.contact.matchedBy, 'email', 'the first conversion made the contact; this one reuses it')
  t.equal((await get(ws, `/v1/leads/${twin.id}`)).version, 1, 'a duplicate is left alone')
})

t.test('converts open, contacted and qualified leads, not unqualified or converted ones', async (t) => {
  const ws = await createWorkspace(app)
  for (const status of ['open', 'contacted', 'qualified']) {
    const lead = await createLead(ws, { status, company: `Company ${status}`, email: null })
    const res = await convertLead(ws, lead.id, { createOpportunity: false })
    t.equal(res.statusCode, 200, `${status}: ${res.body}`)
  }

  const lead = await createLead(ws, { status: 'unqualified' })
  const before = await conversionCounts(app, ws.workspaceId)
  const refused = await convertLead(ws, lead.id)
  const problem = assertFullProblem(t, refused, 409, 'CRM_LEAD_UNQUALIFIED')
  t.match(problem.detail, /qualified/)
  t.same(await conversionCounts(app, ws.workspaceId), before)

  await ws.request({ method: 'PATCH', url: `/v1/leads/${lead.id}`, payload: { status: 'qualified' } })
  const first = await convertLead(ws, lead.id)
  t.equal(first.statusCode, 200, first.body)
  const afterFirst = await conversionCounts(app, ws.workspaceId)
  const second = await convertLead(ws, lead.id)
  assertFullProblem(t, second, 409, 'CRM_LEAD_CONVERTED')
  t.same(await conversionCounts(app, ws.workspaceId), afterFirst, 'converting twice makes nothing')
})

t.test('a converted lead refuses every change, deletion included', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const converted = (await convertLead(ws, lead.id)).json().lead

  const url = `/v1/leads/${lead.id}`
  for (const payload of [{ status: 'open' }, { phone: '+1 555 0100' }, {}]) {
    const res = await ws.request({ method: 'PATCH', url, payload })
    assertProblem(t, res, 409, 'CRM_LEAD_CONVERTED')
  }
  const removed = await ws.request({ method: 'DELETE', url })
  const problem = assertFullProblem(t, removed, 409, 'CRM_LEAD_CONVERTED')
  t.equal(problem.instance, url)
  const withEtag = await ws.request({ method: 'DELETE', url, headers: { 'if-match': '"2"' } })
  assertProblem(t, withEtag, 409, 'CRM_LEAD_CONVERTED')
  t.same(await get(ws, url), converted, 'the lead is unchanged and still there')

  // An open lead may still be deleted.
  const open = await createLead(ws)
  t.equal((await ws.request({ method: 'DELETE', url: `/v1/leads/${open.id}` })).statusCode, 204)
})

t.test('rolls back whole when any part fails', async (t) => {
  const ws = await createWorkspace(app)
  const account = await createAccount(ws, { name: 'Globex', website: 'https://globex.example' })
  const contact = await createContact(ws, { email: 'grace@globex.example', title: null })
  const fresh = await createLead(ws, { ...FULL_LEAD, email: 'new@globex.example' })
  const reusing = await createLead(ws, FULL_LEAD)
  const before = await conversionCounts(app, ws.workspaceId)

  for (const lead of [fresh, reusing]) {
    const res = await convertLead(ws, lead.id, { opportunity: { stage: 'no-such-stage' } })
    const problem = assertFullProblem(t, res, 422, 'CRM_OPPORTUNITY_STAGE_UNKNOWN')
    t.equal(problem.errors[0].pointer, '/opportunity/stage')
    t.match(problem.detail, /prospecting/, 'names the stages there are')
    t.same(await get(ws, `/v1/leads/${lead.id}`), lead, 'the lead is unchanged')
  }
  t.same(await conversionCounts(app, ws.workspaceId), before, 'no account, contact or opportunity made')
  t.equal((await get(ws, `/v1/accounts/${account.id}`)).version, 1, 'the reused account is not filled')
  t.equal((await get(ws, `/v1/contacts/${contact.id}`)).version, 1, 'nor the reused contact')

  // Not a failure: a lead whose campaign is gone (deleted straight in the
  // table; the API refuses to delete a campaign with leads) converts unlinked.
  const campaign = await createCampaign(ws)
  const linked = await createLead(ws, { campaignId: campaign.id, email: null, company: 'Acme' })
  await db.update(campaigns).set({ deletedAt: new Date() }).where(eq(campaigns.id, campaign.id))
  const res = await convertLead(ws, linked.id)
  t.equal(res.statusCode, 200, res.body)
  const opp = await get(ws, `/v1/opportunities/${res.json().opportunity.id}`)
  t.equal(opp.campaignId, null, 'a deleted campaign is not linked again')
})

t.test('Idempotency-Key replays the answer without converting twice', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws, FULL_LEAD)
  const key = { 'idempotency-key': `convert-${randomUUID()}` }

  const first = await convertLead(ws, lead.id, { contactRole: 'user' }, key)
  t.equal(first.statusCode, 200, first.body)
  const counts = await conversionCounts(app, ws.workspaceId)
  const replay = await convertLead(ws, lead.id, { contactRole: 'user' }, key)
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.body, first.body, 'the same answer, byte for byte')
  t.same(await conversionCounts(app, ws.workspaceId), counts)
  t.match(counts, { accounts: 1, contacts: 1, opportunities: 1, convertedLeads: 1 })

  const otherBody = await convertLead(ws, lead.id, { contactRole: 'other' }, key)
  assertProblem(t, otherBody, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
  const withoutKey = await convertLead(ws, lead.id, { contactRole: 'user' })
  assertProblem(t, withoutKey, 409, 'CRM_LEAD_CONVERTED')
})

t.test('lets admins, managers and sales convert, and no one else', async (t) => {
  const ws = await createWorkspace(app)
  const lead = await createLead(ws)
  const before = await conversionCounts(app, ws.workspaceId)
  for (const role of ['marketing', 'support', 'readonly']) {
    const user = await createUser(app, ws, role)
    const single = await convertLead(user, lead.id)
    assertProblem(t, single, 403, 'CRM_FORBIDDEN')
    const dry = await convertLead(user, lead.id, { dryRun: true })
    assertProblem(t, dry, 403, 'CRM_FORBIDDEN')
    const batch = await user.request({
      method: 'POST', url: '/v1/leads/convert', payload: { conversions: [{ leadId: lead.id }] }
    })
    assertProblem(t, batch, 403, 'CRM_FORBIDDEN')
  }
  t.same(await conversionCounts(app, ws.workspaceId), before)
  t.equal((await get(ws, `/v1/leads/${lead.id}`)).version, 1)

  for (const role of ['manager', 'sales']) {
    const user = await createUser(app, ws, role)
    const mine = await createLead(ws, { company: `By ${role}`, email: null })
    t.equal((await convertLead(user, mine.id)).statusCode, 200, role)
  }
  t.equal((await convertLead(ws, lead.id)).statusCode, 200, 'admin')
})

t.test('never reaches another workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const foreignLead = await createLead(other, FULL_LEAD)
  const foreignAccount = await createAccount(other, {
    name: 'Globex Corporation', website: 'https://globex.example'
  })
  const foreignContact = await createContact(other, { email: FULL_LEAD.email })
  const theirs = await conversionCounts(app, other.workspaceId)

  const probe = await convertLead(ws, foreignLead.id)
  const problem = assertFullProblem(t, probe, 404, 'CRM_LEAD_NOT_FOUND')
  const never = await convertLead(ws, randomUUID())
  t.equal(problemShape(probe), problemShape(never), 'a foreign lead is like one never made')
  t.equal(problem.instance, `/v1/leads/${foreignLead.id}/convert`)
  const dry = await convertLead(ws, foreignLead.id, { dryRun: true })
  assertProblem(t, dry, 404, 'CRM_LEAD_NOT_FOUND')

  // A lead of this workspace with the same company, domain and email matches none of theirs.
  const lead = await createLead(ws, FULL_LEAD)
  const body = (await convertLead(ws, lead.id)).json()
  t.match(body, {
    account: { action: 'created' }, contact: { action: 'created' }, duplicates: []
  })
  t.not(body.account.id, foreignAccount.id)
  t.not(body.contact.id, foreignContact.id)

  t.same(await conversionCounts(app, other.workspaceId), theirs)
  t.same(await get(other, `/v1/leads/${foreignLead.id}`), foreignLead)
  t.equal((await get(other, `/v1/accounts/${foreignAccount.id}`)).version, 1)
  t.equal((await get(other, `/v1/contacts/${foreignContact.id}`)).version, 1)
})
