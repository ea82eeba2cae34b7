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
import { jobsRoutes } from './jobs/jobs.routes.js'
import { importsRoutes } from './imports/imports.routes.js'
import { importSchedulesRoutes } from './import-schedules/import-schedules.routes.js'
import { campaignMembersRoutes } from './campaigns/members/campaign-members.routes.js'
import { campaignStatsRoutes } from './campaigns/stats/campaign-stats.routes.js'
import { campaignSendsRoutes } from './campaigns/sends/campaign-sends.routes.js'
import { caseCommentsRoutes } from './cases/comments/case-comments.routes.js'
import { caseSlaRoutes } from './cases/sla/case-sla.routes.js'
import { leadConversionRoutes } from './leads/conversion/lead-conversion.routes.js'
import { leadScoringRoutes } from './lead-scoring/lead-scoring.routes.js'
import { contactRolesRoutes } from './opportunities/contact-roles/contact-roles.routes.js'
import { opportunityHistoryRoutes } from './opportunities/history/opportunity-history.routes.js'
import { lineItemsRoutes } from './opportunities/line-items/line-items.routes.js'
import { relatedRoutes } from './related/related.routes.js'
import { reportsRoutes } from './reports/reports.routes.js'
import { searchRoutes } from './search/search.routes.js'
import { trackingRoutes } from './tracking/tracking.routes.js'
import { exportsRoutes } from './exports/exports.routes.js'

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
  campaignsRoutes,
  leadConversionRoutes,
  opportunityHistoryRoutes,
  lineItemsRoutes,
  contactRolesRoutes,
  caseCommentsRoutes,
  caseSlaRoutes,
  campaignMembersRoutes,
  campaignStatsRoutes,
  campaignSendsRoutes,
  jobsRoutes,
  importsRoutes,
  leadScoringRoutes,
  importSchedulesRoutes,
  trackingRoutes,
  // After every module: they reference the record schemas the modules add.
  relatedRoutes,
  searchRoutes,
  exportsRoutes,
  reportsRoutes
]

export async function registerModules (app: FastifyInstance) {
  for (const routes of MODULES) await routes(app)
}
