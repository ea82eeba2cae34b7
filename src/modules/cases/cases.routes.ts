import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { caseResource } from './cases.resource.js'

export async function casesRoutes (app: FastifyInstance) {
  app.addSchema(caseResource.schemas.record)
  registerResourceRoutes(app, caseResource)
}
