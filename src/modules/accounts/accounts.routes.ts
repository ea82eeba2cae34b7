import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { accountResource } from './accounts.resource.js'

export async function accountsRoutes (app: FastifyInstance) {
  app.addSchema(accountResource.schemas.record)
  registerResourceRoutes(app, accountResource)
}
