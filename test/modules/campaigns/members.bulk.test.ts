import { randomUUID } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import t from 'tap'
import { campaignMembers } from '../../../src/modules/campaigns/members/campaign-members.table.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import { addMember, createCampaign } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// Bulk adds through HTTP on the real database. The thousand-odd leads the
// limit needs are inserted straight into their table, in one statement.

const NEVER_USED = '00000000-0000-4000-8000-000000000000'

const app = await buildTestApp(t)
const db = app.deps.db

type Caller = Pick<TestWorkspace, 'request'>

function bulk (ws: Caller, campaignId: string, payload: unknown, headers = {}) {
  return ws.request({
    method: 'POST',
    url: `/v1/campaigns/${campaignId}/members/bulk`,
    payload: payload as object,
    headers
  })
}

/** The live members of a campaign, straight from the table. */
const liveRows = (campaignId: string) =>
  db.select().from(campaignMembers).where(and(
    eq(campaignMembers.campaignId, campaignId), isNull(campaignMembers.deletedAt)
  ))

const sorted = (ids: (string | null)[]) => ids.filter((id) => id !== null).sort()

async function insertLeads (
  workspaceId: string,
  count: number,
  values: Record<string, unknown> = {}
) {
  const rows = Array.from({ length: count }, (_, i) => ({
    workspaceId, lastName: `Bulk ${i}`, currency: 'EUR', ...values
  }))
  return (await db.insert(leads).values(rows).returning({ id: leads.id })).map((r) => r.id)
}

t.test('adds people by id, each once, and reports the rest', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const l1 = await createLead(ws)
  const l2 = await createLead(ws, { emailOptOut: true })
  const l3 = await createLead(ws)
  const [c1, c2] = [await createContact(ws, { emailOptOut: true }), await createContact(ws)]
  const already = await addMember(ws, campaign.id, { leadId: l3.id })
  const gone = await createContact(ws)
  await ws.request({ method: 'DELETE', url: `/v1/contacts/${gone.id}` })
  const foreignLead = await createLead(other)
  const foreignContact = await createContact(other)
  const ids = (...people: { id: string }[]) => people.map((p) => p.id)

  const res = await bulk(ws, campaign.id, {
    leadIds: [...ids(l1, l2, l3, l1), l2.id.toUpperCase(), NEVER_USED, foreignLead.id, c1.id],
    contactIds: [...ids(c1, c2, c2), gone.id, foreignContact.id, NEVER_USED]
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json(), {
    added: 4,
    alreadyMembers: 1,
    notFound: [NEVER_USED, foreignLead.id, c1.id, gone.id, foreignContact.id],
    optedOut: 2
  })
  const rows = await liveRows(campaign.id)
  t.same(sorted(rows.map((r) => r.leadId)), sorted(ids(l1, l2, l3)))
  t.same(sorted(rows.map((r) => r.contactId)), sorted(ids(c1, c2)))
  t.ok(rows.every((r) => r.status === 'targeted'))
  const kept = rows.find((r) => r.leadId === l3.id)
  t.equal(kept?.id, already.id, 'an existing member is left as it is')
  t.equal(kept?.version, 1)

  const listed = await walkList(ws, `/v1/campaigns/${campaign.id}/members?optedOut=true`, 50)
  t.same(sorted(listed.items.map((i) => (i.leadId ?? i.contactId) as string)), sorted(ids(l2, c1)))

  const again = await bulk(ws, campaign.id, { leadIds: ids(l1, l2, l3), contactIds: ids(c1, c2) })
  t.same(again.json(), { added: 0, alreadyMembers: 5, notFound: [], optedOut: 0 })
  t.equal((await liveRows(campaign.id)).length, 5)
  const empty = await bulk(ws, campaign.id, { leadIds: [], contactIds: [] })
  t.same(empty.json(), { added: 0, alreadyMembers: 0, notFound: [], optedOut: 0 })
})

t.test('adds exactly the people the lead and contact list filters select', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const account = (await ws.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'Initech' }
  })).json()
  const people = [
    await createLead(ws, {
      status: 'qualified', source: 'event', company: 'Initech', industry: 'Software'
    }),
    await createLead(ws, { status: 'qualified', source: 'web', emailOptOut: true }),
    await createLead(ws, { status: 'contacted', source: 'event', estimatedAmount: '5000' }),
    await createLead(ws, { status: 'open', lastName: 'Hamilton', estimatedAmount: '100' })
  ]
  await createLead(other, { status: 'qualified', source: 'event', company: 'Initech' })
  await createContact(ws, { accountId: account.id, lastName: 'Lumbergh' })
  await createContact(ws, { accountId: account.id, emailOptOut: true, leadSource: 'event' })
  await createContact(ws, { lastName: 'Hamilton' })
  await createContact(other, { lastName: 'Hamilton' })
  void people

  const filters: [Record<string, unknown>, string][] = [
    [{ status: 'qualified' }, 'status=qualified'],
    [
      { status: 'qualified,contacted', source: 'event' },
      'status=qualified,contacted&source=event'
    ],
    [{ emailOptOut: false, company: 'initech' }, 'emailOptOut=false&company=initech'],
    [{ estimatedAmountMin: '100.01' }, 'estimatedAmountMin=100.01'],
    [{ q: 'hamilton' }, 'q=hamilton'],
    [{ industry: 'Software', q: 'initech' }, 'industry=Software&q=initech'],
    [{}, '']
  ]
  for (const [leadFilter, query] of filters) {
    const campaign = await createCampaign(ws)
    const res = await bulk(ws, campaign.id, { leadFilter })
    t.equal(res.statusCode, 200, res.body)
    const expected = await listIds(ws, `/v1/leads?limit=200&${query}`)
    t.equal(res.json().added, expected.length, query)
    const added = (await liveRows(campaign.id)).map((r) => r.leadId)
    t.same(sorted(added), sorted(expected), `leads ${query}`)
  }

  const contactFilters: [Record<string, unknown>, string][] = [
    [{ accountId: account.id }, `accountId=${account.id}`],
    [
      { accountId: account.id, emailOptOut: true, leadSource: 'event' },
      `accountId=${account.id}&emailOptOut=true&leadSource=event`
    ],
    [{ q: 'hamilton' }, 'q=hamilton'],
    [{}, '']
  ]
  for (const [contactFilter, query] of contactFilters) {
    const campaign = await createCampaign(ws)
    const res = await bulk(ws, campaign.id, { contactFilter })
    t.equal(res.statusCode, 200, res.body)
    const expected = await listIds(ws, `/v1/contacts?limit=200&${query}`)
    const added = (await liveRows(campaign.id)).map((r) => r.contactId)
    t.same(sorted(added), sorted(expected), `contacts ${query}`)
  }

  const campaign = await createCampaign(ws)
  const both = await bulk(ws, campaign.id, {
    leadIds: [people[0]?.id, people[3]?.id],
    leadFilter: { status: 'qualified' },
    contactFilter: { q: 'hamilton' }
  })
  const once = { added: 4, alreadyMembers: 0, notFound: [], optedOut: 1 }
  t.same(both.json(), once, 'named and matched count once')
})

t.test('refuses malformed bodies and filters with 400, writing nothing', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const tooMany = Array.from({ length: 1001 }, () => randomUUID())

  const cases: [unknown, string][] = [
    [{}, ''],
    [{ leadIds: ['not-a-uuid'] }, '/leadIds/0'],
    [{ leadIds: tooMany }, '/leadIds'],
    [{ contactIds: NEVER_USED }, '/contactIds'],
    [{ leadFilter: { campaign: 'x' } }, '/leadFilter/campaign'],
    [{ leadFilter: { status: 'won' } }, '/leadFilter/status'],
    [{ leadFilter: { emailOptOut: 'true' } }, '/leadFilter/emailOptOut'],
    [{ leadFilter: { scoreMin: '10' } }, '/leadFilter/scoreMin'],
    [{ contactFilter: { status: 'open' } }, '/contactFilter/status'],
    [{ contactFilter: { q: '' } }, '/contactFilter/q'],
    [{ leadFilter: [] }, '/leadFilter'],
    [{ leadIds: [], status: 'sent' }, '/status']
  ]
  for (const [payload, pointer] of cases) {
    const res = await bulk(ws, campaign.id, payload)
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(res.json().errors[0].pointer, pointer, JSON.stringify(payload).slice(0, 80))
  }
  t.same(await liveRows(campaign.id), [])
})

t.test('adds up to 1,000 people and refuses more instead of cutting', async (t) => {
  const ws = await createWorkspace(app)
  const many = await insertLeads(ws.workspaceId, 1000, { source: 'event' })
  const extra = await insertLeads(ws.workspaceId, 1, { source: 'web' })
  const contact = await createContact(ws)

  const campaign = await createCampaign(ws)
  const everyLead = await bulk(ws, campaign.id, { leadFilter: {} })
  const problem = assertProblem(t, everyLead, 422, 'CRM_CAMPAIGN_MEMBERS_TOO_MANY')
  t.equal(problem.errors[0].pointer, '/leadFilter')
  t.match(problem.detail, 'narrow the filter')
  t.same(await liveRows(campaign.id), [], 'nobody added')

  const tooMany: [unknown, string][] = [
    [{ leadIds: many, contactIds: [contact.id] }, ''],
    [{ leadFilter: { source: 'event' }, leadIds: extra }, ''],
    [{ leadFilter: { source: 'event' }, contactFilter: {} }, '']
  ]
  for (const [payload, pointer] of tooMany) {
    const res = await bulk(ws, campaign.id, payload)
    t.equal(assertProblem(t, res, 422, 'CRM_CAMPAIGN_MEMBERS_TOO_MANY').errors[0].pointer, pointer)
  }
  t.same(await liveRows(campaign.id), [], 'nobody added')

  const exactly = await bulk(ws, campaign.id, {
    leadFilter: { source: 'event' }, leadIds: many.slice(0, 10)
  })
  const thousand = { added: 1000, alreadyMembers: 0, notFound: [], optedOut: 0 }
  t.same(exactly.json(), thousand, 'a thousand fit')
  t.equal((await liveRows(campaign.id)).length, 1000)
  const rest = await bulk(ws, campaign.id, {
    leadIds: [...extra, ...many.slice(0, 998)], contactIds: [contact.id]
  })
  t.same(rest.json(), { added: 2, alreadyMembers: 998, notFound: [], optedOut: 0 })
  const page = await walkList(ws, `/v1/campaigns/${campaign.id}/members?kind=lead`, 200)
  t.equal(page.ids.length, 1001)
  t.equal(new Set(page.ids).size, 1001, 'every member once over the pages')
})

t.test('never reaches another workspace: its ids are not found, its campaign 404s', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const foreignCampaign = await createCampaign(other)
  const foreignLead = await createLead(other, { lastName: 'Foreign' })
  const foreignContact = await createContact(other, { lastName: 'Foreign' })
  const lead = await createLead(ws)

  const res = await bulk(ws, campaign.id, {
    leadIds: [foreignLead.id],
    contactIds: [foreignContact.id],
    leadFilter: { q: 'foreign' },
    contactFilter: { q: 'foreign' }
  })
  t.same(res.json(), {
    added: 0, alreadyMembers: 0, notFound: [foreignLead.id, foreignContact.id], optedOut: 0
  })
  t.same(await liveRows(campaign.id), [])

  const probe = await bulk(ws, foreignCampaign.id, { leadIds: [lead.id] })
  assertProblem(t, probe, 404, 'CRM_CAMPAIGN_NOT_FOUND')
  const unknown = await bulk(ws, NEVER_USED, { leadIds: [lead.id] })
  assertProblem(t, unknown, 404, 'CRM_CAMPAIGN_NOT_FOUND')
  t.same(await liveRows(foreignCampaign.id), [], 'the foreign campaign got nobody')
})

t.test('replays a bulk add with the same Idempotency-Key', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws)
  const headers = { 'idempotency-key': `bulk-${randomUUID()}` }

  const first = await bulk(ws, campaign.id, { leadIds: [lead.id] }, headers)
  t.same(first.json(), { added: 1, alreadyMembers: 0, notFound: [], optedOut: 0 })
  const replay = await bulk(ws, campaign.id, { leadIds: [lead.id] }, headers)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json(), 'the first answer, not "already a member"')
  const other = await bulk(ws, campaign.id, { leadIds: [] }, headers)
  assertProblem(t, other, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
})

t.test('runs overlapping bulk adds side by side, each person added once', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const ids = await insertLeads(ws.workspaceId, 300)
  const reversed = [...ids].reverse()

  const answers = await Promise.all([
    bulk(ws, campaign.id, { leadIds: ids.slice(0, 200) }),
    bulk(ws, campaign.id, { leadIds: reversed.slice(0, 200) }),
    bulk(ws, campaign.id, { leadFilter: {} })
  ])
  for (const res of answers) t.equal(res.statusCode, 200, res.body)
  const results = answers.map((r) => r.json())
  const added = results.reduce((n, r) => n + r.added, 0)
  t.equal(added, 300, 'every lead added by exactly one request')
  t.same(results.map((r) => r.added + r.alreadyMembers), [200, 200, 300])
  t.equal((await liveRows(campaign.id)).length, 300)
})
