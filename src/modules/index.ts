import type { FastifyInstance } from 'fastify'
import { accountsRoutes } from './accounts/accounts.routes.js'
import { apiKeysRoutes } from './api-keys/api-keys.routes.js'
import { authRoutes } from './auth/auth.routes.js'
import { campaignsRoutes } from './campaigns/campaigns.routes.js'
import { casesRoutes } from './cases/cases.routes.js'
import { contactsRoutes } from './contacts/contacts.routes.js'
import { leadsRoutes } from './leads/leads.routes.js'
import { opportunitiesRoutes } from './opportunities/opportunities.routes.js'
import { opportunityStagesRoutes } from './opportunity-stages/opportunity-stages.routes.js'
import { productsRoutes } from './products/products.routes.js'
import { usersRoutes } from './users/users.routes.js'

/**
 * Every module's routes; a new module adds one line here. They are added in
 * the root context (not encapsulated) so that the record schemas each module
 * adds can be referenced from every route and land in the OpenAPI components.
 */
const MODULES: ((app: FastifyInstance) => Promise<void>)[] = [
  usersRoutes,
  authRoutes,
  apiKeysRoutes,
  accountsRoutes,
  contactsRoutes,
  leadsRoutes,
  opportunityStagesRoutes,
  opportunitiesRoutes,
  productsRoutes,
  casesRoutes,
  campaignsRoutes
]

export async function registerModules (app: FastifyInstance) {
  for (const routes of MODULES) await routes(app)
}
