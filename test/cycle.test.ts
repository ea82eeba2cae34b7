import t from 'tap'
import { assertProblem } from './fixtures/problems.js'
import { walkList } from './fixtures/lists.js'
import { createUser, createWorkspace, type TestWorkspace } from './fixtures/workspaces.js'
import { buildTestApp } from './helper.js'

/**
 * The whole CRM cycle through HTTP, as a new team would run it: marketing
 * brings leads with a campaign, sales works and converts them (new and
 * existing accounts and contacts, a dry run, a batch, a double conversion),
 * opportunities carry products through the pipeline to won and lost,
 * support works a case from report to resolution and back, and the numbers
 * of stats, reports and search are checked against what was made.
 */

const app = await buildTestApp(t)

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
type Json = Record<string, any>
type Caller = Pick<TestWorkspace, 'request'>

t.test('a campaign brings leads that become won business and a resolved case', async (t) => {
  const admin = await createWorkspace(app, 'Cycle Inc')
  const marketing = await createUser(app, admin, 'marketing')
  const sales = await createUser(app, admin, 'sales')
  const support = await createUser(app, admin, 'support')
  const ok = async (res: { statusCode: number, body: string, json: () => unknown }, status: number, what: string) => {
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`)
    return res.json() as Json
  }
  const post = (who: Caller, url: string, payload: unknown, headers: Record<string, string> = {}) =>
    who.request({ method: 'POST', url, payload: payload as object, headers })
  const patch = (who: Caller, url: string, payload: unknown) =>
    who.request({ method: 'PATCH', url, payload: payload as object })
  const get = (who: Caller, url: string) => who.request({ method: 'GET', url })

  // Marketing: a campaign and the leads it brings.
  const campaign = await ok(await post(marketing, '/v1/campaigns', {
    name: 'Winter webinar', type: 'webinar', status: 'active', actualCost: '1000.00'
  }), 201, 'campaign')
  const existing = await ok(await post(sales, '/v1/accounts', {
    name: 'Initech', website: 'https://www.initech.example', industry: 'Software'
  }), 201, 'existing account')
  const known = await ok(await post(sales, '/v1/contacts', {
    lastName: 'Lumbergh', email: 'bill@initech.example', accountId: existing.id
  }), 201, 'existing contact')
  const leadBodies = [
    { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@analytical.example', company: 'Analytical Engines',
      estimatedAmount: '5000.00', source: 'campaign' },
    { firstName: 'Peter', lastName: 'Gibbons', email: 'peter@initech.example', company: 'Initech',
      website: 'https://initech.example' },
    { firstName: 'Bill', lastName: 'Lumbergh', email: 'BILL@initech.example', company: 'Initech', title: 'VP' },
    { firstName: 'Grace', lastName: 'Hopper', email: 'grace@navy.example', company: 'Navy' },
    { firstName: 'Alan', lastName: 'Turing', email: 'alan@bletchley.example', company: 'Bletchley' }
  ]
  const leads: Json[] = []
  for (const body of leadBodies) {
    leads.push(await ok(await post(marketing, '/v1/leads', { ...body, campaignId: campaign.id }), 201, 'lead'))
  }
  const [ada, peter, bill, grace, alan] = leads as [Json, Json, Json, Json, Json]
  const members = await ok(await post(marketing, `/v1/campaigns/${campaign.id}/members/bulk`, {
    leadFilter: { campaignId: campaign.id }
  }), 200, 'members')
  t.equal(members.added, 5)

  // Sales works the leads.
  for (const lead of leads) {
    await ok(await patch(sales, `/v1/leads/${lead.id}`, { status: 'contacted' }), 200, 'contacted')
    await ok(await patch(sales, `/v1/leads/${lead.id}`, { status: 'qualified' }), 200, 'qualified')
  }
  await ok(await patch(sales, `/v1/leads/${alan.id}`, { status: 'unqualified' }), 200, 'unqualified')
  assertProblem(t, await post(sales, `/v1/leads/${alan.id}/convert`, {}), 409, 'CRM_LEAD_UNQUALIFIED')
  assertProblem(t, await post(marketing, `/v1/leads/${ada.id}/convert`, {}), 403, 'CRM_FORBIDDEN')

  // A dry run plans what the conversion then does.
  const plan = await ok(await post(sales, `/v1/leads/${ada.id}/convert`, { dryRun: true }), 200, 'dry run')
  t.equal(plan.dryRun, true)
  t.equal(plan.account.action, 'created')
  t.equal(plan.account.id, null)
  t.equal((await get(sales, `/v1/leads/${ada.id}`)).json().status, 'qualified', 'a dry run writes nothing')
  const adaDone = await ok(await post(sales, `/v1/leads/${ada.id}/convert`, {
    opportunity: { name: 'Analytical Engines – platform', closeDate: '2027-01-31' }
  }, { 'idempotency-key': 'convert-ada-1' }), 200, 'convert ada')
  t.equal(adaDone.account.action, plan.account.action)
  t.equal(adaDone.contact.action, 'created')
  t.equal(adaDone.lead.status, 'converted')
  const replay = await ok(await post(sales, `/v1/leads/${ada.id}/convert`, {
    opportunity: { name: 'Analytical Engines – platform', closeDate: '2027-01-31' }
  }, { 'idempotency-key': 'convert-ada-1' }), 200, 'replayed conversion')
  t.same(replay.opportunity, adaDone.opportunity, 'a retry replays, it does not convert again')
  assertProblem(t, await post(sales, `/v1/leads/${ada.id}/convert`, {}), 409, 'CRM_LEAD_CONVERTED')
  assertProblem(t, await patch(sales, `/v1/leads/${ada.id}`, { phone: '+1 555 0100' }), 409, 'CRM_LEAD_CONVERTED')

  // Existing records are found, not duplicated: by domain, and the contact by email.
  const batch = await ok(await post(sales, '/v1/leads/convert', {
    conversions: [
      { leadId: peter.id, createOpportunity: false },
      { leadId: bill.id },
      { leadId: ada.id }
    ]
  }), 200, 'batch')
  const [peterDone, billDone, again] = batch.results as Json[]
  t.equal(peterDone?.status, 200)
  t.equal(peterDone?.conversion.account.id, existing.id)
  t.equal(peterDone?.conversion.account.matchedBy, 'domain')
  t.equal(peterDone?.conversion.opportunity, null)
  t.equal(billDone?.status, 200)
  t.equal(billDone?.conversion.contact.id, known.id)
  t.equal(billDone?.conversion.contact.action, 'reused')
  t.ok(billDone?.conversion.contact.filledFields.includes('title'), 'an empty field is filled')
  t.equal((await get(sales, `/v1/contacts/${known.id}`)).json().lastName, 'Lumbergh')
  t.equal(again?.status, 409, 'one failure in a batch does not stop the others')
  t.equal(again?.error.code, 'CRM_LEAD_CONVERTED')
  const graceDone = await ok(await post(sales, `/v1/leads/${grace.id}/convert`, {
    opportunity: { amount: '999.00' }
  }), 200, 'convert grace')

  // The pipeline: products as line items, then won and lost.
  const product = await ok(await post(admin, '/v1/products', {
    name: 'Engine licence', sku: 'ENG-1', unitPrice: '1200.00', currency: 'EUR'
  }), 201, 'product')
  const won = adaDone.opportunity.id as string
  const item = await ok(await post(sales, `/v1/opportunities/${won}/line-items`, {
    productId: product.id, quantity: '3', discountPercent: '12.5'
  }), 201, 'line item')
  t.equal(item.unitPrice, '1200.00', 'the unit price defaults to the product')
  t.equal(item.totalPrice, '3150.00')
  await ok(await post(sales, `/v1/opportunities/${won}/line-items`, {
    productId: product.id, quantity: '0.5', unitPrice: '99.99'
  }), 201, 'second line item')
  t.equal((await get(sales, `/v1/opportunities/${won}`)).json().amount, '3200.00', 'the amount is the sum')
  assertProblem(t, await patch(sales, `/v1/opportunities/${won}`, { amount: '1.00' }), 422,
    'CRM_OPPORTUNITY_AMOUNT_FROM_LINE_ITEMS')
  await ok(await patch(sales, `/v1/opportunities/${won}`, { stage: 'negotiation' }), 200, 'negotiation')
  const closed = await ok(await patch(sales, `/v1/opportunities/${won}`, { stage: 'closed_won' }), 200, 'won')
  t.equal(closed.isWon, true)
  t.equal(closed.expectedRevenue, '3200.00')
  const lost = graceDone.opportunity.id as string
  assertProblem(t, await patch(sales, `/v1/opportunities/${lost}`, { stage: 'closed_lost' }), 422,
    'CRM_OPPORTUNITY_LOSS_REASON_REQUIRED')
  const lostDone = await ok(await patch(sales, `/v1/opportunities/${lost}`, { stage: 'closed_lost',
    lossReason: 'No budget' }), 200, 'lost')
  t.ok(lostDone.closeDate, 'closing sets the close date')
  const history = await walkList(sales, `/v1/opportunities/${won}/history`, 2)
  const stages = history.items.map((h) => h.stage).reverse()
  t.same([...new Set(stages)], ['prospecting', 'negotiation', 'closed_won'], 'history keeps every stage')
  t.ok(history.items.some((h) => (h.changedFields as string[]).includes('amount')), 'and the amount changes')

  // Stats and reports agree with what was made.
  const stats = await ok(await get(marketing, `/v1/campaigns/${campaign.id}/stats`), 200, 'stats')
  t.equal(stats.members.total, 5)
  t.equal(stats.leadsGenerated, 5)
  t.equal(stats.convertedLeads, 4)
  t.equal(stats.opportunities.count, 3)
  t.equal(stats.opportunities.won, 1)
  t.equal(stats.opportunities.wonAmount, '3200.00')
  t.equal(stats.returnOnCost, '2.2000')
  const pipeline = await ok(await get(sales, '/v1/reports/pipeline'), 200, 'pipeline')
  const byStage = Object.fromEntries((pipeline.byStage as Json[]).map((s) => [s.stage, s]))
  t.equal(byStage.closed_won?.count, 1)
  t.equal(byStage.closed_won?.amount, '3200.00')
  t.equal(byStage.closed_lost?.count, 1)
  t.equal(pipeline.totals.count, 3)
  const leadReport = await ok(await get(sales, '/v1/reports/leads'), 200, 'lead report')
  t.equal(leadReport.total, 5)
  t.equal(leadReport.converted, 4)
  t.equal(leadReport.byStatus.unqualified, 1)
  t.equal(leadReport.conversionRate, '0.8000')

  // Related lists and search over the same records.
  const initechContacts = await walkList(sales, `/v1/accounts/${existing.id}/contacts`, 50)
  t.equal(initechContacts.ids.length, 2, 'Peter joined Bill at Initech; nobody was duplicated')
  const found = await ok(await post(sales, '/v1/contacts/search', {
    filter: { and: [{ field: 'account.industry', op: 'eq', value: 'software' }, { field: 'email',
      op: 'contains', value: 'initech' }] },
    includeTotal: true
  }), 200, 'search')
  t.equal(found.total, 2)

  // Support: a case from report to resolution, and back.
  const kase = await ok(await post(support, '/v1/cases', {
    subject: 'The engine overheats', priority: 'urgent', accountId: existing.id, contactId: known.id
  }), 201, 'case')
  t.equal(new Date(kase.firstResponseDueAt).getTime() - new Date(kase.createdAt).getTime(), 3600_000,
    'urgent: 1 h to respond')
  await ok(await post(support, `/v1/cases/${kase.id}/comments`, { body: 'Looking at logs', isPublic: false }),
    201, 'internal note')
  t.equal((await get(support, `/v1/cases/${kase.id}`)).json().firstResponseAt, null, 'an internal note is no response')
  await ok(await post(support, `/v1/cases/${kase.id}/comments`, { body: 'We are on it', isPublic: true }), 201, 'reply')
  t.ok((await get(support, `/v1/cases/${kase.id}`)).json().firstResponseAt, 'the first public reply is the response')
  await ok(await patch(support, `/v1/cases/${kase.id}`, { status: 'escalated' }), 200, 'escalated')
  assertProblem(t, await patch(support, `/v1/cases/${kase.id}`, { status: 'resolved' }), 422,
    'CRM_CASE_RESOLUTION_REQUIRED')
  const resolved = await ok(await patch(support, `/v1/cases/${kase.id}`, { status: 'resolved',
    resolution: 'Firmware 2.1' }), 200, 'resolved')
  t.ok(resolved.resolvedAt)
  const reopened = await ok(await patch(support, `/v1/cases/${kase.id}`, { status: 'in_progress' }), 200, 'reopened')
  t.equal(reopened.reopenCount, 1)
  t.equal(reopened.resolvedAt, null)
  const caseReport = await ok(await get(support, '/v1/reports/cases'), 200, 'case report')
  t.equal(caseReport.open.total, 1)
  t.equal(caseReport.open.byPriority.urgent, 1)
  t.same((await walkList(support, `/v1/contacts/${known.id}/cases`, 50)).ids, [kase.id])

  // Another workspace sees none of it.
  const stranger = await createWorkspace(app, 'Elsewhere')
  for (const url of [
    `/v1/campaigns/${campaign.id}/stats`, `/v1/opportunities/${won}/history`,
    `/v1/opportunities/${won}/line-items`, `/v1/cases/${kase.id}/comments`, `/v1/accounts/${existing.id}/contacts`
  ]) {
    t.equal((await get(stranger, url)).statusCode, 404, url)
  }
  t.equal((await post(stranger, `/v1/leads/${grace.id}/convert`, {})).statusCode, 404)
  const strangerPipeline = await ok(await get(stranger, '/v1/reports/pipeline'), 200, 'foreign pipeline')
  t.equal(strangerPipeline.totals.count, 0)
})
