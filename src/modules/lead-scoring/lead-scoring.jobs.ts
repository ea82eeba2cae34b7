import { Type } from 'typebox'
import type { JobContext, JobDefinition } from '../../jobs/registry.js'
import { ShutdownError } from '../../jobs/shutdown.js'
import { markJobProgress } from '../jobs/jobs.status.js'
import {
  releaseTaken,
  RESCORE_JOB,
  returnTaken,
  SCORE_JOB,
  takePending
} from './lead-scoring.enqueue.js'
import { RESCORE_CHUNK } from './lead-scoring.defaults.js'
import { countScorableLeads, scoreLeads, workspacesWithLeads } from './lead-scoring.queries.js'
import { scoringTarget } from './lead-scoring.service.js'
// The record listeners that ask for scoring, loaded wherever the jobs are.
import './lead-scoring.listeners.js'

const MIN_UUID = '00000000-0000-0000-0000-000000000000'

const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
})
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })

const ScorePayload = Type.Object(
  { workspaceId: Uuid, asOf: Instant },
  { additionalProperties: false }
)
const RescorePayload = Type.Object(
  { workspaceId: Uuid, asOf: Instant, reason: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false }
)

interface Payload { workspaceId: string, asOf: string }

/**
 * Scores the leads asked for in one workspace (see lead-scoring.enqueue.ts),
 * a batch at a time until none is pending. Rules are read after each batch
 * is taken, so a batch is never scored with rules older than its request.
 */
const scoreRequestedLeads: JobDefinition = {
  name: SCORE_JOB,
  queue: 'scoring',
  payload: ScorePayload,
  async process (payload, { deps, jobId, signal }) {
    const { workspaceId, asOf } = payload as Payload
    const db = deps.database.db
    let requested = 0
    let scored = 0
    try {
      for (;;) {
        const ids = await takePending(deps, workspaceId, jobId)
        if (ids.length === 0) break
        requested += ids.length
        const target = await scoringTarget(db, workspaceId, asOf)
        scored += (await scoreLeads(db, target, { ids })).scored
        await releaseTaken(deps, jobId)
        if (signal.aborted) throw new ShutdownError()
      }
    } catch (err) {
      await returnTaken(deps, workspaceId, jobId)
      throw err
    }
    return { requested, scored }
  }
}

/**
 * Rescores every live, unconverted lead of a workspace in chunks of
 * RESCORE_CHUNK by id, one statement each, with the rules read once at the
 * start. Progress is `{ total, scored, chunks }`. Stopped by a shutdown it
 * starts over on its next run: scoring is idempotent, so that only repeats
 * work.
 */
const rescoreWorkspace: JobDefinition = {
  name: RESCORE_JOB,
  queue: 'scoring',
  payload: RescorePayload,
  async process (payload, ctx) {
    const { workspaceId, asOf } = payload as Payload
    const db = ctx.deps.database.db
    const target = await scoringTarget(db, workspaceId, asOf)
    const total = await countScorableLeads(db, workspaceId)
    let after = MIN_UUID
    let scored = 0
    let chunks = 0
    for (;;) {
      if (ctx.signal.aborted) throw new ShutdownError()
      const chunk = await scoreLeads(db, target, { after, limit: RESCORE_CHUNK })
      if (chunk.lastId === null) break
      after = chunk.lastId
      chunks += 1
      scored += chunk.scored
      await ctx.progress({ total, scored, chunks })
    }
    await finalProgress(ctx, { total, scored, chunks })
    return { total, scored, chunks, rulesVersion: target.rulesVersion, asOf }
  }
}

// ctx.progress is throttled; the job's row must end with the last counters.
async function finalProgress (ctx: JobContext, progress: Record<string, unknown>) {
  await markJobProgress(ctx.deps.database.db, ctx.jobId, progress)
}

const NIGHTLY_PAGE = 500

/**
 * Every night, a rescore of each workspace that has leads: decay moves with
 * the days even when nothing else changes. One `leads.rescore` job per
 * workspace, with an id of the workspace and the day, so the night's jobs
 * are queued once however often this runs that day.
 */
const rescoreNightly: JobDefinition = {
  name: 'leads.rescore-nightly',
  queue: 'scoring',
  payload: Type.Object({}, { additionalProperties: false }),
  schedule: { id: 'leads.rescore-nightly', pattern: '0 3 * * *', tz: 'UTC' },
  async process (_payload, { deps, log }) {
    const asOf = new Date().toISOString()
    const day = asOf.slice(0, 10)
    const queue = deps.queues.get('scoring')
    let after = MIN_UUID
    let workspaces = 0
    for (;;) {
      const ids = await workspacesWithLeads(deps.database.db, after, NIGHTLY_PAGE)
      if (ids.length === 0) break
      await queue.addBulk(ids.map((workspaceId) => ({
        name: RESCORE_JOB,
        data: { workspaceId, asOf, reason: 'nightly' },
        opts: { jobId: `leads.rescore.nightly.${workspaceId}.${day}` }
      })))
      workspaces += ids.length
      after = ids.at(-1) as string
    }
    log.info({ workspaces }, 'nightly rescores queued')
    return { workspaces, asOf }
  }
}

export const leadScoringJobs: readonly JobDefinition[] = [
  scoreRequestedLeads,
  rescoreWorkspace,
  rescoreNightly
]
