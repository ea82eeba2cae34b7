import Fastify from 'fastify'
import pg from 'pg'
import { BY_ID, PAGE } from './bare.queries.js'
import { childOptions, serveInChild } from './child.js'

/**
 * The baseline: a bare Fastify server over a plain pg pool, with none of
 * our code. The queries are unprepared text SQL with the same columns and
 * the same conditions our generic reads send (Drizzle's select() lists
 * every column), and the rows go out through Fastify's default JSON
 * serialization. No auth: the workspace is fixed at start.
 */

export interface BareOptions {
  databaseUrl: string
  poolSize: number
  workspaceId: string
}

const options = childOptions<BareOptions>()

await serveInChild(async () => {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize })
  const app = Fastify()
  const { workspaceId } = options

  app.get<{ Params: { contactId: string } }>('/contacts/:contactId', async (request, reply) => {
    const { rows } = await pool.query(BY_ID, [workspaceId, request.params.contactId])
    if (rows.length === 0) return reply.code(404).send({ message: 'not found' })
    return rows[0]
  })

  app.get('/contacts', async () => {
    const { rows } = await pool.query(PAGE, [workspaceId])
    return { data: rows.slice(0, 50), hasMore: rows.length > 50 }
  })

  return { app, close: () => pool.end() }
})
