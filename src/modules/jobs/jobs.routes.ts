import { and, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineError } from '../../lib/errors.js'
import { jsonResponse, problemResponses } from '../../lib/http/responses.js'
import { UuidSchema } from '../../lib/schemas.js'
import { JobRefSchema, JobSchema, toJobDto } from './jobs.schemas.js'
import { jobs } from './jobs.table.js'

const JobNotFoundError = defineError('CRM_JOB_NOT_FOUND', 'No job with id %s', 404)

export async function jobsRoutes (app: FastifyInstance) {
  app.addSchema(JobSchema)

  app.get('/v1/jobs/:jobId', {
    config: { permission: { resource: 'jobs', action: 'read' } },
    schema: {
      tags: ['Jobs'],
      operationId: 'getJob',
      summary: 'Get a job',
      description: 'Status, progress and result of work a route started (a campaign send, an import, ' +
        'a rescore): the `Location` of its 202 answer. Every role of the workspace reads its jobs; ' +
        'a job of another workspace answers 404. Kept 30 days after it finishes.',
      security: [{ bearerAuth: [] }],
      params: Type.Object({ jobId: UuidSchema }, { additionalProperties: false }),
      response: {
        200: jsonResponse('The job', JobRefSchema),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { jobId } = request.params as { jobId: string }
    const [row] = await app.deps.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.workspaceId, request.tenant.workspaceId), eq(jobs.id, jobId)))
    if (row === undefined) throw new JobNotFoundError(jobId)
    return toJobDto(row)
  })
}
