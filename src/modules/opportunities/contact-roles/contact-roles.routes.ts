import type { FastifyInstance } from 'fastify'

// TODO(#3): routes being written.
export async function contactRolesRoutes (_app: FastifyInstance) {}
