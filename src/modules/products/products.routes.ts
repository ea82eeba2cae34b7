import type { FastifyInstance } from 'fastify'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { productResource } from './products.resource.js'

export async function productsRoutes (app: FastifyInstance) {
  app.addSchema(productResource.schemas.record)
  registerResourceRoutes(app, productResource)
}
