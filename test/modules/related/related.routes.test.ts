import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createCampaign } from '../../fixtures/campaigns.js'
import { createCase } from '../../fixtures/cases.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { walkList } from '../../fixtures/lists.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

const app = await buildTestApp(t)

async function createAccount (ws: TestWorkspace, name: string) {
  const res = await ws.request({ method: 'POST', url: '/v1/accounts', payload: { name } })
  t.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string }
}

const sorted = (ids: string[]) => [...ids].sort()

t.test("an account's contacts, opportunities and cases", async (t) => {
  const ws = await createWorkspace(app)
  const acme = await createAccount(ws, 'Acme')
  const other = await createAccount(ws, 'Other')
  const contacts = []
  for (let i = 0; i < 5; i++) {
    contacts.push(await createContact(ws, { lastName: `Person ${i}`, accountId: acme.id,
      leadSource: i % 2 === 0 ? 'web' : 'event' }))
  }
  await createContact(ws, { lastName: 'Elsewhere', accountId: other.id })
  await createContact(ws, { lastName: 'Nobody' })
  const opportunity = await createOpportunity(ws, { accountId: acme.id, amount: '100.00' })
  await createOpportunity(ws, { accountId: other.id })
  const kase = await createCase(ws, { accountId: acme.id })
  await createCase(ws, { accountId: other.id })

  const all = await walkList(ws, `/v1/accounts/${acme.id}/contacts`, 2, { t, each: ['status', 'size'] })
  t.same(sorted(all.ids), sorted(contacts.map((c) => c.id)), 'every contact of the account, over pages')
  t.equal(all.pages, 3)

  const web = await walkList(ws, `/v1/accounts/${acme.id}/contacts?leadSource=web&sort=lastName`, 50)
  t.same(web.ids, [contacts[0], contacts[2], contacts[4]].map((c) => c?.id),
    'filters and sort of the contact list apply')

  const found = await walkList(ws, `/v1/accounts/${acme.id}/contacts?q=person`, 50)
  t.equal(found.ids.length, 5, 'q applies')

  t.same((await walkList(ws, `/v1/accounts/${acme.id}/opportunities`, 50)).ids, [opportunity.id])
  t.same((await walkList(ws, `/v1/accounts/${acme.id}/cases`, 50)).ids, [kase.id])
})

t.test("a contact's opportunities and cases, a campaign's leads and opportunities", async (t) => {
  const ws = await createWorkspace(app)
  const account = await createAccount(ws, 'Globex')
  const contact = await createContact(ws, { lastName: 'Hopper', accountId: account.id })
  const primary = await createOpportunity(ws, { accountId: account.id, contactId: contact.id })
  await createOpportunity(ws, { accountId: account.id })
  const kase = await createCase(ws, { contactId: contact.id })
  await createCase(ws, {})
  t.same((await walkList(ws, `/v1/contacts/${contact.id}/opportunities`, 50)).ids, [primary.id])
  t.same((await walkList(ws, `/v1/contacts/${contact.id}/cases`, 50)).ids, [kase.id])

  const campaign = await createCampaign(ws)
  const lead = await createLead(ws, { campaignId: campaign.id })
  await createLead(ws, {})
  const attributed = await createOpportunity(ws, { accountId: account.id, campaignId: campaign.id })
  t.same((await walkList(ws, `/v1/campaigns/${campaign.id}/leads`, 50)).ids, [lead.id])
  t.same((await walkList(ws, `/v1/campaigns/${campaign.id}/opportunities`, 50)).ids, [attributed.id])
})

t.test('an unknown, deleted or foreign parent answers 404, and bad queries 400', async (t) => {
  const a = await createWorkspace(app, 'A')
  const b = await createWorkspace(app, 'B')
  const account = await createAccount(a, 'Private')
  await createContact(a, { lastName: 'Secret', accountId: account.id })

  for (const path of ['contacts', 'opportunities', 'cases']) {
    assertProblem(t, await b.request({ method: 'GET', url: `/v1/accounts/${account.id}/${path}` }), 404,
      'CRM_ACCOUNT_NOT_FOUND')
    assertProblem(t, await a.request({ method: 'GET', url: `/v1/accounts/${randomUUID()}/${path}` }), 404,
      'CRM_ACCOUNT_NOT_FOUND')
  }
  const gone = await createAccount(a, 'Gone')
  t.equal((await a.request({ method: 'DELETE', url: `/v1/accounts/${gone.id}` })).statusCode, 204)
  assertProblem(t, await a.request({ method: 'GET', url: `/v1/accounts/${gone.id}/contacts` }), 404,
    'CRM_ACCOUNT_NOT_FOUND')

  assertProblem(t, await a.request({ method: 'GET',
    url: `/v1/accounts/${account.id}/contacts?sort=password` }), 400, 'CRM_VALIDATION_ERROR')
  assertProblem(t, await a.request({ method: 'GET', url: `/v1/accounts/${account.id}/contacts?bogus=1` }),
    400, 'CRM_VALIDATION_ERROR')
  assertProblem(t, await a.request({ method: 'GET', url: '/v1/accounts/not-a-uuid/contacts' }), 400,
    'CRM_VALIDATION_ERROR')
})
