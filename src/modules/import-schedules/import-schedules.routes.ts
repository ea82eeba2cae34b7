import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import {
  EtagHeader,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonResponse,
  LocationHeader,
  NoContentResponse,
  problemResponses
} from '../../lib/http/responses.js'
import { notFound } from '../../lib/resource/resource.errors.js'
import { getRecord, listRecords, type ListQuery } from '../../lib/resource/resource.queries.js'
import { listQuerySchema } from '../../lib/resource/resource.routes.js'
import { createResource, deleteResource, etag, updateResource } from '../../lib/resource/resource.service.js'
import { pageSchema, ProblemRefSchema, UuidSchema } from '../../lib/schemas.js'
import { acceptedJobResponse, replyAccepted } from '../jobs/jobs.accepted.js'
import { dispatchJobs } from '../jobs/jobs.outbox.js'
import { recordRun } from './import-schedules.enqueue.js'
import { getImportSchedule } from './import-schedules.queries.js'
import { importScheduleResource, type ImportScheduleRow, importScheduleToDto } from './import-schedules.resource.js'
import { syncSchedulerAfterCommit } from './import-schedules.scheduler.js'

const base = '/v1/import-schedules'
const item = `${base}/:importScheduleId`
const tags = ['Imports']
const security = [{ bearerAuth: [] }]
const read = { permission: { resource: 'import-schedules', action: 'read' as const } }
const write = { permission: { resource: 'import-schedules', action: 'write' as const } }
const recordRef = Type.Unsafe(Type.Ref('ImportSchedule'))
const ParamsSchema = Type.Object({ importScheduleId: UuidSchema }, { additionalProperties: false })

const invalidResponse = {
  422: {
    description: 'The schedule cannot run (CRM_IMPORT_SCHEDULE_INVALID): a cron expression that does not ' +
      'parse or fires more than once a minute, an unknown time zone, a bad pattern or URL, an upsert key ' +
      'or mapping that does not fit the object; `errors` points at each. Or an Idempotency-Key reused ' +
      'with another body.',
    content: { 'application/problem+json': { schema: ProblemRefSchema } }
  }
}

const RULES =
  'Only admins and managers change schedules; every role reads them. `cron` is read in `timezone` ' +
  '(IANA, default UTC); `format` defaults to csv, `mode` to create, `isActive` to true. With mode ' +
  'upsert, `upsertKey` defaults to the object\'s first key (email, sku, domain); with mode create it is ' +
  'null. Every problem of the body is listed in one 422. An active schedule is registered with the ' +
  'job queue once the write has committed; runs start imports that record `scheduleId`.'

const schedulerNote =
  'The schedule\'s runs follow the change once it has committed: a new cron or time zone takes effect ' +
  'for the next run, `isActive: false` stops the runs, `isActive: true` starts them again.'

export async function importSchedulesRoutes (app: FastifyInstance) {
  const def = importScheduleResource({ allowPrivateUrls: app.deps.config.IMPORT_ALLOW_PRIVATE_URLS })
  app.addSchema(def.schemas.record)
  const send = (reply: FastifyReply, row: ImportScheduleRow) => {
    reply.header('etag', etag(row.version))
    return def.toDto(row)
  }
  const idOf = (request: FastifyRequest) => (request.params as { importScheduleId: string }).importScheduleId

  app.get(base, {
    config: read,
    schema: {
      tags,
      operationId: 'listImportSchedules',
      summary: 'List import schedules',
      description: 'A page of the workspace\'s import schedules, newest first unless `sort` says ' +
        'otherwise; filters combine with AND.',
      security,
      querystring: listQuerySchema(def),
      response: {
        200: jsonResponse('A page of import schedules', pageSchema(recordRef, 'A page of import schedules')),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => {
    const page = await listRecords(app.deps.db, def, request.tenant.workspaceId, request.query as ListQuery)
    const now = new Date()
    return { data: page.rows.map((row) => importScheduleToDto(row, now)), nextCursor: page.nextCursor }
  })

  app.post(base, {
    config: { ...write, idempotent: true },
    schema: {
      tags,
      operationId: 'createImportSchedule',
      summary: 'Create an import schedule',
      description: `Creates a schedule. ${RULES}`,
      security,
      headers: IdempotencyHeaders,
      body: def.schemas.create,
      response: {
        201: jsonResponse('The new import schedule', recordRef, { ETag: EtagHeader, Location: LocationHeader }),
        ...problemResponses(400, 401, 403, 409, 413, 415),
        ...invalidResponse
      }
    }
  }, async (request, reply) => {
    const row = await createResource(app.deps.db, def, request.tenant, request.body)
    await syncSchedulerAfterCommit(app.deps, request.log, row.workspaceId, row.id)
    reply.header('location', `${base}/${row.id}`)
    return send(reply.code(201), row)
  })

  app.get(item, {
    config: read,
    schema: {
      tags,
      operationId: 'getImportSchedule',
      summary: 'Get an import schedule',
      security,
      params: ParamsSchema,
      response: {
        200: jsonResponse('The import schedule', recordRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const row = await getRecord(app.deps.db, def, request.tenant.workspaceId, idOf(request))
    if (row === undefined) throw notFound(def, idOf(request))
    return send(reply, row)
  })

  app.patch(item, {
    config: write,
    schema: {
      tags,
      operationId: 'updateImportSchedule',
      summary: 'Update an import schedule',
      description: 'Merges the body into the schedule (RFC 7396; `source` is replaced whole, `mapping: null` ' +
        'clears the mapping, `upsertKey: null` restores the default key) and checks the result as a create ' +
        `would. ${schedulerNote} With If-Match, a stale ETag answers 412 and changes nothing.`,
      security,
      params: ParamsSchema,
      headers: IfMatchHeaders,
      body: def.schemas.update,
      response: {
        200: jsonResponse('The updated import schedule', recordRef, { ETag: EtagHeader }),
        ...problemResponses(400, 401, 403, 404, 412, 413, 415),
        ...invalidResponse
      }
    }
  }, async (request, reply) => {
    const id = idOf(request)
    const row = await updateResource(app.deps.db, def, request.tenant, id, request.body, request.headers['if-match'])
    await syncSchedulerAfterCommit(app.deps, request.log, row.workspaceId, row.id)
    return send(reply, row)
  })

  app.delete(item, {
    config: write,
    schema: {
      tags,
      operationId: 'deleteImportSchedule',
      summary: 'Delete an import schedule',
      description: 'Removes the schedule from every read and list and stops its runs. The imports it ' +
        'started stay, with their `scheduleId`; a run already under way finishes.',
      security,
      params: ParamsSchema,
      headers: IfMatchHeaders,
      response: {
        204: NoContentResponse,
        ...problemResponses(400, 401, 403, 404, 412)
      }
    }
  }, async (request, reply) => {
    const id = idOf(request)
    await deleteResource(app.deps.db, def, request.tenant, id, request.headers['if-match'])
    await syncSchedulerAfterCommit(app.deps, request.log, request.tenant.workspaceId, id)
    return reply.code(204).send()
  })

  app.post(`${item}/run`, {
    config: { ...write, idempotent: true },
    schema: {
      tags,
      operationId: 'runImportSchedule',
      summary: 'Run an import schedule now',
      description: 'Starts one run now, outside the cron, even of an inactive schedule (to try it before ' +
        'activating it). The job\'s result lists the imports started (one per new file), the files ' +
        'skipped as already imported by this schedule (same sha256), and the files refused with why. A ' +
        'URL that cannot be fetched (a refused address, a 404, a file over the size limit) fails the job ' +
        'with the reason; a transient failure is retried. Once the run starts, the schedule\'s `lastRun` ' +
        'names this job and follows its outcome, as it does for the runs of the cron.',
      security,
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
