import type { FastifyInstance } from 'fastify'
import { registerSearch } from '../../lib/search/search.routes.js'
import { accountResource } from '../accounts/accounts.resource.js'
import { accounts } from '../accounts/accounts.table.js'
import { campaignResource } from '../campaigns/campaigns.resource.js'
import { campaigns } from '../campaigns/campaigns.table.js'
import { caseResource } from '../cases/cases.resource.js'
import { cases } from '../cases/cases.table.js'
import { contactResource } from '../contacts/contacts.resource.js'
import { contacts } from '../contacts/contacts.table.js'
import { leadResource } from '../leads/leads.resource.js'
import { leads } from '../leads/leads.table.js'
import { opportunityResource } from '../opportunities/opportunities.resource.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { productResource } from '../products/products.resource.js'
import { products } from '../products/products.table.js'

/**
 * `POST /v1/<collection>/search` for every record resource. Each names the
 * direct parents whose fields its filters may use (`account.industry` on
 * contacts), through the record's own reference column.
 */
export async function searchRoutes (app: FastifyInstance) {
  registerSearch(app, accountResource, [
    { name: 'parentAccount', resource: accountResource, link: accounts.parentAccountId }
  ])
  registerSearch(app, contactResource, [
    { name: 'account', resource: accountResource, link: contacts.accountId }
  ])
  registerSearch(app, leadResource, [
    { name: 'campaign', resource: campaignResource, link: leads.campaignId }
  ])
  registerSearch(app, opportunityResource, [
    { name: 'account', resource: accountResource, link: opportunities.accountId },
    { name: 'contact', resource: contactResource, link: opportunities.contactId },
    { name: 'campaign', resource: campaignResource, link: opportunities.campaignId }
  ])
  registerSearch(app, productResource, [
    { name: 'vendorAccount', resource: accountResource, link: products.vendorAccountId }
  ])
  registerSearch(app, caseResource, [
    { name: 'account', resource: accountResource, link: cases.accountId },
    { name: 'contact', resource: contactResource, link: cases.contactId },
    { name: 'product', resource: productResource, link: cases.productId }
  ])
  registerSearch(app, campaignResource, [
    { name: 'parentCampaign', resource: campaignResource, link: campaigns.parentCampaignId }
  ])
}
