import type { FastifyInstance } from 'fastify'

// TODO(#3): routes being written.
export async function caseSlaRoutes (_app: FastifyInstance) {}
