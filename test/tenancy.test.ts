import t from 'tap'
import { createCampaign } from './fixtures/campaigns.js'
import { createCase } from './fixtures/cases.js'
import { createContact } from './fixtures/contacts.js'
import { createLead } from './fixtures/leads.js'
import { walkList } from './fixtures/lists.js'
import { createOpportunity } from './fixtures/opportunities.js'
import { PROBLEM_CONTENT_TYPE } from './fixtures/problems.js'
import { createProduct } from './fixtures/products.js'
import { createWorkspace } from './fixtures/workspaces.js'
import { buildTestApp } from './helper.js'

/**
 * For every resource and every verb: a caller of workspace B gets 404 for
 * workspace A's record, never sees it in a list, cannot link to it, and
 * leaves it unchanged.
 */
t.test('a record of another workspace does not exist for the caller', async (t) => {
  const app = await buildTestApp(t)
  const a = await createWorkspace(app, 'Tenant A')
  const b = await createWorkspace(app, 'Tenant B')

  const account = (await a.request({
    method: 'POST', url: '/v1/accounts', payload: { name: 'A only' }
  })).json()
  const records: Record<string, { id: string, patch: Record<string, unknown> }> = {
    accounts: { id: account.id, patch: { name: 'taken by B' } },
    contacts: {
      id: (await createContact(a, { accountId: account.id })).id, patch: { lastName: 'B' }
    },
    leads: { id: (await createLead(a)).id, patch: { lastName: 'B' } },
    opportunities: {
      id: (await createOpportunity(a, { accountId: account.id })).id, patch: { name: 'B' }
    },
    products: { id: (await createProduct(a)).id, patch: { name: 'B' } },
    cases: { id: (await createCase(a)).id, patch: { subject: 'B' } },
    campaigns: { id: (await createCampaign(a)).id, patch: { name: 'B' } },
    users: { id: a.userId, patch: { name: 'B' } }
  }

  for (const [collection, { id, patch }] of Object.entries(records)) {
    const url = `/v1/${collection}/${id}`
    const verbs = [['GET', undefined], ['PATCH', patch], ['DELETE', undefined]] as const
    for (const [method, payload] of verbs) {
      const res = await b.request({ method, url, ...(payload === undefined ? {} : { payload }) })
      t.equal(res.statusCode, 404, `${method} ${collection}: 404`)
      t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE)
      t.match(res.json().code, /^CRM_[A-Z_]+_NOT_FOUND$/)
    }
    const listed = await walkList(b, `/v1/${collection}`, 200)
    t.notOk(listed.ids.includes(id), `${collection}: never in B's list`)
    const own = await a.request({ method: 'GET', url })
    t.equal(own.statusCode, 200, `${collection}: A still reads it`)
    t.equal(own.json().version, 1, `${collection}: unchanged by B`)
  }

  const links: [string, Record<string, unknown>][] = [
    ['/v1/contacts', { lastName: 'X', accountId: account.id }],
    ['/v1/opportunities', { name: 'X', accountId: account.id }],
    ['/v1/cases', { subject: 'X', contactId: records.contacts?.id }],
    ['/v1/leads', { lastName: 'X', campaignId: records.campaigns?.id }],
    ['/v1/accounts', { name: 'X', ownerId: a.userId }]
  ]
  for (const [url, payload] of links) {
    const res = await b.request({ method: 'POST', url, payload })
    t.equal(res.statusCode, 422, `${url}: a link into A is refused`)
    t.equal(res.json().code, 'CRM_INVALID_REFERENCE')
  }
})
