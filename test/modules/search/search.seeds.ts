import { ACCOUNT_TYPES } from '../../../src/modules/accounts/accounts.schemas.js'
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES } from '../../../src/modules/campaigns/campaigns.schemas.js'
import { CASE_ORIGINS, CASE_PRIORITIES, CASE_STATUSES, CASE_TYPES } from '../../../src/modules/cases/cases.schemas.js'
import {
  LEAD_RATINGS, LEAD_SOURCES, LEAD_STATUSES, WRITABLE_LEAD_STATUSES
} from '../../../src/modules/leads/leads.schemas.js'
import { OPPORTUNITY_TYPES } from '../../../src/modules/opportunities/opportunities.schemas.js'
import type { TestWorkspace } from '../../fixtures/workspaces.js'
import type { FieldSpec, Kind, Model, random, Rec } from './search.model.js'

/**
 * Random records of each resource with their parents, made through the
 * API, and the model the brute-force evaluator runs over. Values come from
 * small pools in mixed case, with LIKE's wildcards and its escape in them,
 * so that filters match often and a wildcard leak would show.
 */

type Ws = Pick<TestWorkspace, 'request'>
type Rnd = ReturnType<typeof random>

export const TEXTS = [
  'Acme', 'acme corp', 'ACME_1', 'Globex', 'glob%ex', 'Initech', 'init_ech', 'Umbrella', 'a%b', 'x_y',
  'back\\slash', 'Zed'
]
const INDUSTRIES = ['Tech', 'tech', 'Retail', 'Bank_1', '50%off', 'Energy']
const AMOUNTS = ['0', '10.00', '99.99', '1250.50', '99999.99']
const DATES = ['2026-01-31', '2026-06-15', '2027-02-28']

async function post (ws: Ws, collection: string, body: Record<string, unknown>): Promise<Rec> {
  // Absent rather than null: the server's defaults then apply as for any client.
  const payload = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined))
  const res = await ws.request({ method: 'POST', url: `/v1/${collection}`, payload })
  if (res.statusCode !== 201) throw new Error(`${collection} create failed: ${res.statusCode} ${res.body}`)
  return res.json() as Rec
}

const byId = (rows: Rec[]) => new Map(rows.map((r) => [r.id, r]))
const ids = (rows: Rec[]) => rows.map((r) => r.id)

const text: FieldSpec = { kind: 'text' }
const uuid: FieldSpec = { kind: 'uuid' }
const timestamp: FieldSpec = { kind: 'timestamp' }
const integer: FieldSpec = { kind: 'integer' }
const decimal: FieldSpec = { kind: 'decimal' }
const date: FieldSpec = { kind: 'date' }
const boolean: FieldSpec = { kind: 'boolean' }
const oneOf = (values: readonly string[]): FieldSpec => ({ kind: 'enum', values })

const prefixed = (prefix: string, fields: Record<string, FieldSpec>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${prefix}.${k}`, v]))

const ACCOUNT_FIELDS: Record<string, FieldSpec> = {
  id: uuid, createdAt: timestamp, version: integer, name: text, industry: text, type: oneOf(ACCOUNT_TYPES),
  numberOfEmployees: integer, annualRevenue: decimal, parentAccountId: uuid, domain: text
}
const CONTACT_FIELDS: Record<string, FieldSpec> = {
  id: uuid, createdAt: timestamp, firstName: text, lastName: text, email: text, title: text, department: text,
  leadSource: oneOf(LEAD_SOURCES), doNotCall: boolean, accountId: uuid
}
const CAMPAIGN_FIELDS: Record<string, FieldSpec> = {
  id: uuid, createdAt: timestamp, name: text, type: oneOf(CAMPAIGN_TYPES), status: oneOf(CAMPAIGN_STATUSES),
  startDate: date, endDate: date, budget: decimal, actualCost: decimal, parentCampaignId: uuid
}
const PRODUCT_FIELDS: Record<string, FieldSpec> = {
  id: uuid, createdAt: timestamp, name: text, sku: text, unitPrice: decimal, cost: decimal, category: text,
  isActive: boolean, vendorAccountId: uuid
}

export async function seedAccounts (ws: Ws, rnd: Rnd, n: number, type?: string): Promise<Rec[]> {
  const rows: Rec[] = []
  for (let i = 0; i < n; i++) {
    rows.push(await post(ws, 'accounts', {
      name: rnd.pick(TEXTS),
      industry: rnd.maybe(INDUSTRIES),
      type: type ?? rnd.maybe(ACCOUNT_TYPES),
      numberOfEmployees: rnd.maybe([0, 5, 50, 500]),
      annualRevenue: rnd.maybe(AMOUNTS),
      website: rnd.maybe(['https://acme.example', 'https://www.Globex.example/x_y']),
      parentAccountId: rows.length > 0 ? rnd.maybe(ids(rows), 0.5) : null
    }))
  }
  return rows
}

async function seedContacts (ws: Ws, rnd: Rnd, n: number, accounts: Rec[]): Promise<Rec[]> {
  const rows: Rec[] = []
  for (let i = 0; i < n; i++) {
    rows.push(await post(ws, 'contacts', {
      firstName: rnd.maybe(TEXTS),
      lastName: rnd.pick(TEXTS),
      email: rnd.next() < 0.3 ? null : `${rnd.pick(['ada', 'Grace', 'x_y'])}.${i}.${rnd.int(0, 1e9)}@ex.example`,
      title: rnd.maybe(['CEO', 'cto', 'Head_of%']),
      leadSource: rnd.maybe(LEAD_SOURCES),
      doNotCall: rnd.pick([true, false]),
      accountId: accounts.length > 0 ? rnd.maybe(ids(accounts), 0.25) : null
    }))
  }
  return rows
}

async function seedCampaigns (ws: Ws, rnd: Rnd, n: number): Promise<Rec[]> {
  const rows: Rec[] = []
  for (let i = 0; i < n; i++) {
    const startDate = rnd.maybe(DATES)
    rows.push(await post(ws, 'campaigns', {
      name: rnd.pick(TEXTS),
      type: rnd.pick(CAMPAIGN_TYPES),
      status: rnd.pick(CAMPAIGN_STATUSES),
      startDate,
      endDate: startDate === null ? null : rnd.maybe(DATES.filter((d) => d >= startDate)),
      budget: rnd.maybe(AMOUNTS),
      actualCost: rnd.maybe(AMOUNTS),
      parentCampaignId: rows.length > 0 ? rnd.maybe(ids(rows), 0.5) : null
    }))
  }
  return rows
}

async function seedProducts (ws: Ws, rnd: Rnd, n: number, vendors: Rec[]): Promise<Rec[]> {
  const rows: Rec[] = []
  for (let i = 0; i < n; i++) {
    rows.push(await post(ws, 'products', {
      name: rnd.pick(TEXTS),
      sku: rnd.next() < 0.3 ? null : `${rnd.pick(['SKU', 'sk_u', 'A%'])}-${i}-${rnd.int(0, 1e9)}`,
      unitPrice: rnd.maybe(AMOUNTS),
      cost: rnd.maybe(AMOUNTS),
      category: rnd.maybe(['Hardware', 'hardware', 'Soft_ware']),
      isActive: rnd.pick([true, false]),
      vendorAccountId: vendors.length > 0 ? rnd.maybe(ids(vendors), 0.3) : null
    }))
  }
  return rows
}

export interface ResourceCase {
  collection: string
  /** Records in the workspace (and their parents), with the model over them. */
  seed: (ws: Ws, rnd: Rnd, n: number) => Promise<Model>
}

const sortable = (fields: Record<string, Kind>) => fields

export const RESOURCES: ResourceCase[] = [
  {
    collection: 'accounts',
    async seed (ws, rnd, n) {
      const records = await seedAccounts(ws, rnd, n)
      return {
        records,
        parents: { parentAccount: { link: 'parentAccountId', byId: byId(records) } },
        fields: { ...ACCOUNT_FIELDS, ...prefixed('parentAccount', ACCOUNT_FIELDS) },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', name: 'text', annualRevenue: 'decimal', numberOfEmployees: 'integer'
        })
      }
    }
  },
  {
    collection: 'contacts',
    async seed (ws, rnd, n) {
      const accounts = await seedAccounts(ws, rnd, 6)
      const records = await seedContacts(ws, rnd, n, accounts)
      return {
        records,
        parents: { account: { link: 'accountId', byId: byId(accounts) } },
        fields: { ...CONTACT_FIELDS, ...prefixed('account', ACCOUNT_FIELDS) },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', lastName: 'text', firstName: 'text', email: 'text'
        })
      }
    }
  },
  {
    collection: 'leads',
    async seed (ws, rnd, n) {
      const campaigns = await seedCampaigns(ws, rnd, 4)
      const records: Rec[] = []
      for (let i = 0; i < n; i++) {
        records.push(await post(ws, 'leads', {
          firstName: rnd.maybe(TEXTS),
          lastName: rnd.pick(TEXTS),
          company: rnd.maybe(TEXTS),
          status: rnd.pick(WRITABLE_LEAD_STATUSES),
          rating: rnd.maybe(LEAD_RATINGS),
          estimatedAmount: rnd.maybe(AMOUNTS),
          numberOfEmployees: rnd.maybe([0, 5, 50]),
          industry: rnd.maybe(INDUSTRIES),
          source: rnd.maybe(LEAD_SOURCES),
          doNotCall: rnd.pick([true, false]),
          campaignId: rnd.maybe(ids(campaigns), 0.4)
        }))
      }
      return {
        records,
        parents: { campaign: { link: 'campaignId', byId: byId(campaigns) } },
        fields: {
          id: uuid, createdAt: timestamp, firstName: text, lastName: text, company: text, status: oneOf(LEAD_STATUSES),
          rating: oneOf(LEAD_RATINGS), estimatedAmount: decimal, numberOfEmployees: integer, industry: text,
          source: oneOf(LEAD_SOURCES), doNotCall: boolean, campaignId: uuid, convertedAt: timestamp,
          ...prefixed('campaign', CAMPAIGN_FIELDS)
        },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', lastName: 'text', company: 'text', estimatedAmount: 'decimal'
        })
      }
    }
  },
  {
    collection: 'opportunities',
    async seed (ws, rnd, n) {
      const accounts = await seedAccounts(ws, rnd, 5)
      const contacts = await seedContacts(ws, rnd, 6, accounts)
      const campaigns = await seedCampaigns(ws, rnd, 3)
      const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost']
      const records: Rec[] = []
      for (let i = 0; i < n; i++) {
        records.push(await post(ws, 'opportunities', {
          name: rnd.pick(TEXTS),
          accountId: rnd.pick(ids(accounts)),
          contactId: rnd.maybe(ids(contacts), 0.4),
          campaignId: rnd.maybe(ids(campaigns), 0.4),
          stage: rnd.pick(stages),
          lossReason: rnd.pick(['Price', 'timing_%']),
          amount: rnd.maybe(AMOUNTS),
          probability: rnd.maybe([0, 10, 55, 100]),
          closeDate: rnd.maybe(DATES),
          type: rnd.maybe(OPPORTUNITY_TYPES),
          source: rnd.maybe(LEAD_SOURCES)
        }))
      }
      return {
        records,
        parents: {
          account: { link: 'accountId', byId: byId(accounts) },
          contact: { link: 'contactId', byId: byId(contacts) },
          campaign: { link: 'campaignId', byId: byId(campaigns) }
        },
        fields: {
          id: uuid, createdAt: timestamp, name: text, stage: text, isClosed: boolean, isWon: boolean,
          probability: integer, amount: decimal, closeDate: date, type: oneOf(OPPORTUNITY_TYPES),
          source: oneOf(LEAD_SOURCES), lossReason: text, accountId: uuid, contactId: uuid, campaignId: uuid,
          ...prefixed('account', ACCOUNT_FIELDS),
          ...prefixed('contact', CONTACT_FIELDS),
          ...prefixed('campaign', CAMPAIGN_FIELDS)
        },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', name: 'text', amount: 'decimal', closeDate: 'date',
          probability: 'integer'
        })
      }
    }
  },
  {
    collection: 'products',
    async seed (ws, rnd, n) {
      // A product's vendor must be an account of type vendor.
      const vendors = await seedAccounts(ws, rnd, 4, 'vendor')
      const records = await seedProducts(ws, rnd, n, vendors)
      return {
        records,
        parents: { vendorAccount: { link: 'vendorAccountId', byId: byId(vendors) } },
        fields: { ...PRODUCT_FIELDS, ...prefixed('vendorAccount', ACCOUNT_FIELDS) },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', name: 'text', sku: 'text', unitPrice: 'decimal'
        })
      }
    }
  },
  {
    collection: 'cases',
    async seed (ws, rnd, n) {
      const accounts = await seedAccounts(ws, rnd, 4)
      const contacts = await seedContacts(ws, rnd, 5, accounts)
      const products = await seedProducts(ws, rnd, 3, [])
      const records: Rec[] = []
      for (let i = 0; i < n; i++) {
        records.push(await post(ws, 'cases', {
          subject: rnd.pick(TEXTS),
          description: rnd.maybe(TEXTS),
          priority: rnd.pick(CASE_PRIORITIES),
          type: rnd.maybe(CASE_TYPES),
          origin: rnd.maybe(CASE_ORIGINS),
          accountId: rnd.maybe(ids(accounts), 0.4),
          contactId: rnd.maybe(ids(contacts), 0.4),
          productId: rnd.maybe(ids(products), 0.4)
        }))
      }
      return {
        records,
        parents: {
          account: { link: 'accountId', byId: byId(accounts) },
          contact: { link: 'contactId', byId: byId(contacts) },
          product: { link: 'productId', byId: byId(products) }
        },
        fields: {
          id: uuid, createdAt: timestamp, number: integer, subject: text, description: text,
          status: oneOf(CASE_STATUSES), isClosed: boolean, priority: oneOf(CASE_PRIORITIES),
          type: oneOf(CASE_TYPES), origin: oneOf(CASE_ORIGINS), accountId: uuid, contactId: uuid,
          productId: uuid, firstResponseDueAt: timestamp, resolvedAt: timestamp,
          ...prefixed('account', ACCOUNT_FIELDS),
          ...prefixed('contact', CONTACT_FIELDS),
          ...prefixed('product', PRODUCT_FIELDS)
        },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', number: 'integer', firstResponseDueAt: 'timestamp',
          resolutionDueAt: 'timestamp'
        })
      }
    }
  },
  {
    collection: 'campaigns',
    async seed (ws, rnd, n) {
      const records = await seedCampaigns(ws, rnd, n)
      return {
        records,
        parents: { parentCampaign: { link: 'parentCampaignId', byId: byId(records) } },
        fields: { ...CAMPAIGN_FIELDS, ...prefixed('parentCampaign', CAMPAIGN_FIELDS) },
        sortable: sortable({
          createdAt: 'timestamp', updatedAt: 'timestamp', name: 'text', startDate: 'date', endDate: 'date',
          budget: 'decimal'
        })
      }
    }
  }
]
