import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AddressSchema, ProblemSchema } from '../lib/schemas.js'
import { API_TAGS, API_VERSION } from '../openapi-info.js'

/**
 * The OpenAPI 3.1 document is built from the routes' own schemas: what is
 * validated and serialized is what is documented. Shared schemas are
 * registered with $id and become components.
 */
async function swaggerPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CRM API',
        version: API_VERSION,
        description:
          'A headless CRM: campaigns, accounts, contacts, leads, opportunities, products and cases. ' +
          'Every /v1 route but sign-up and sign-in takes `Authorization: Bearer <token>`, where the token ' +
          'is an access token from POST /v1/auth/token or an API key. Errors are RFC 9457 problem details ' +
          '(application/problem+json). Lists are keyset-paginated: pass `nextCursor` back as `cursor`.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
      },
      servers: [{ url: 'http://localhost:3000', description: 'the default local start' }],
      tags: API_TAGS,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An access token (JWT) from POST /v1/auth/token or /v1/signup, or an API key (crm_...)'
          }
        }
      }
    }
  })
  app.addSchema(ProblemSchema)
  app.addSchema(AddressSchema)

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: true, displayOperationId: true, tryItOutEnabled: true }
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(swaggerPlugin, { name: 'swagger' })
