import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { IdempotencyHeaders, problemResponses } from '../../lib/http/responses.js'
import { notFound } from '../../lib/resource/resource.errors.js'
import { registerResourceRoutes } from '../../lib/resource/resource.routes.js'
import { UuidSchema } from '../../lib/schemas.js'
import { acceptedJobResponse, replyAccepted } from '../jobs/jobs.accepted.js'
import { dispatchJobs } from '../jobs/jobs.outbox.js'
import { recordRun } from './import-schedules.enqueue.js'
import { getImportSchedule } from './import-schedules.queries.js'
import { importScheduleResource } from './import-schedules.resource.js'

const write = { permission: { resource: 'import-schedules', action: 'write' as const } }
const ParamsSchema = Type.Object({ importScheduleId: UuidSchema }, { additionalProperties: false })

export async function importSchedulesRoutes (app: FastifyInstance) {
  const def = importScheduleResource({ allowPrivateUrls: app.deps.config.IMPORT_ALLOW_PRIVATE_URLS })
  app.addSchema(def.schemas.record)
  // The generic writes keep the job schedulers in step through def.afterCommit.
  registerResourceRoutes(app, def)

  const idOf = (request: FastifyRequest) => (request.params as { importScheduleId: string }).importScheduleId

  app.post('/v1/import-schedules/:importScheduleId/run', {
    config: { ...write, idempotent: true },
    schema: {
      tags: ['Imports'],
      operationId: 'runImportSchedule',
      summary: 'Run an import schedule now',
      description: 'Starts one run now, outside the cron, even of an inactive schedule (to try it before ' +
        'activating it). The job\'s result lists the imports started (one per new file), the files ' +
        'skipped as already imported by this schedule (same sha256), and the files refused with why. A ' +
        'URL that cannot be fetched (a refused address, a 404, a file over the size limit) fails the job ' +
        'with the reason; a transient failure is retried. Once the run starts, the schedule\'s `lastRun` ' +
        'names this job and follows its outcome, as it does for the runs of the cron.',
      security: [{ bearerAuth: [] }],
      params: ParamsSchema,
      headers: IdempotencyHeaders,
      response: {
        202: acceptedJobResponse('The run is queued'),
        ...problemResponses(400, 401, 403, 404, 409, 422)
      }
    }
  }, async (request, reply) => {
    const id = idOf(request)
    const { workspaceId, userId } = request.tenant
    const job = await app.deps.db.transaction(async (tx) => {
      const row = await getImportSchedule(tx, workspaceId, id)
      if (row === undefined) throw notFound(def, id)
      return recordRun(tx, { workspaceId, scheduleId: id, trigger: 'request', requestedBy: userId })
    })
    await dispatchJobs(app.deps, [job])
    return replyAccepted(reply, job)
  })
}
