import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Job, QueueEvents } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import type { TestWorkspace } from '../../fixtures/workspaces.js'

// What the tests of schedule runs share: temporary folders, queue events,
// schedules made through the API, and runs awaited through BullMQ's queue
// events, never by sleeping.

interface Tap {
  teardown: (fn: () => unknown) => void
}

export async function tempDir (t: Tap, prefix: string) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function createSchedule (ws: TestWorkspace, body: Record<string, unknown>) {
  const res = await ws.request({
    method: 'POST',
    url: '/v1/import-schedules',
    payload: { name: 'Contacts drop', cron: '0 3 * * *', object: 'contacts', mode: 'upsert', ...body }
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: string }
}

/** Waits for the imports job `jobId` to finish; answers its record as GET /v1/jobs shows it. */
export async function jobRecord (app: FastifyInstance, events: QueueEvents, ws: TestWorkspace, jobId: string) {
  const job = await app.deps.queues.get('imports').getJob(jobId) as Job
  await job.waitUntilFinished(events, 30_000).catch(() => undefined)
  return (await ws.request({ method: 'GET', url: `/v1/jobs/${jobId}` })).json()
}

/** POST .../run, then waits for the job; answers the job record as GET /v1/jobs shows it. */
export async function runNow (app: FastifyInstance, events: QueueEvents, ws: TestWorkspace, scheduleId: string) {
  const res = await ws.request({ method: 'POST', url: `/v1/import-schedules/${scheduleId}/run` })
  if (res.statusCode !== 202) throw new Error(res.body)
  return jobRecord(app, events, ws, res.json().id)
}

/**
 * Makes the cron of an active schedule fire now: the next job its BullMQ
 * job scheduler queued is promoted. Answers what that job answered.
 */
export async function cronFires (app: FastifyInstance, events: QueueEvents, scheduleId: string) {
  const queue = app.deps.queues.get('imports')
  const next = (await queue.getDelayed()).find((j) => j.data.scheduleId === scheduleId)
  if (next === undefined) throw new Error(`the scheduler of ${scheduleId} queued no run`)
  await next.promote()
  return next.waitUntilFinished(events, 30_000)
}

export async function getSchedule (ws: TestWorkspace, id: string) {
  const res = await ws.request({ method: 'GET', url: `/v1/import-schedules/${id}` })
  if (res.statusCode !== 200) throw new Error(res.body)
  return { body: res.json(), etag: res.headers.etag }
}
