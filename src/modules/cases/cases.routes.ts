import type { FastifyInstance } from 'fastify'

// Being written now; registered so that modules/index.ts stays stable.
export async function casesRoutes (_app: FastifyInstance) {}
