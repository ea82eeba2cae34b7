import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { campaignResource } from './campaigns.resource.js'

export async function campaignsRoutes (app: FastifyInstance) {
  app.addSchema(campaignResource.schemas.record)
  registerResourceRoutes(app, campaignResource)
}
