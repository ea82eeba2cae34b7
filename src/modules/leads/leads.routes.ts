import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { leadResource } from './leads.resource.js'

export async function leadsRoutes (app: FastifyInstance) {
  app.addSchema(leadResource.schemas.record)
  registerResourceRoutes(app, leadResource)
}
