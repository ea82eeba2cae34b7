import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { contactResource } from './contacts.resource.js'

export async function contactsRoutes (app: FastifyInstance) {
  app.addSchema(contactResource.schemas.record)
  registerResourceRoutes(app, contactResource)
}
