import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { opportunityResource } from './opportunities.resource.js'

export async function opportunitiesRoutes (app: FastifyInstance) {
  app.addSchema(opportunityResource.schemas.record)
  registerResourceRoutes(app, opportunityResource)
}
