import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { userResource } from './users.resource.js'

export async function usersRoutes (app: FastifyInstance) {
  app.addSchema(userResource.schemas.record)
  // Users are deactivated (isActive: false), never deleted: they own records.
  registerResourceRoutes(app, userResource, { verbs: ['list', 'create', 'get', 'update'] })
}
