import type { FastifyInstance } from 'fastify'

// TODO(#3): routes being written.
export async function leadConversionRoutes (_app: FastifyInstance) {}
