import type { AppDeps } from '../../deps.js'
import { dispatchJobs } from '../jobs/jobs.outbox.js'
import { startWorkspaceRescore } from './lead-scoring.service.js'

/**
 * How scoring is asked for. A request for some leads adds their ids to a
 * Redis set per workspace (so a lead asked for twenty times is in it once)
 * and queues one `leads.score` job per workspace, deduplicated by BullMQ
 * (`deduplication` with keepLastIfActive): while that job waits, further
 * requests join it; while it runs, one more job is kept to run after it,
 * so an edit made after the job read its leads is never lost. A finished job
 * drops its deduplication key, so a job kept by retention swallows nothing.
 * The job starts after a short delay: a burst of edits is scored once, from
 * the committed rows.
 */

export const SCORE_JOB = 'leads.score'
export const RESCORE_JOB = 'leads.rescore'

/** The debounce of `leads.score`: edits within it are scored together. */
export const SCORE_DELAY_MS = 1000

/** At most this many ids go into one SADD, and one scoring statement. */
export const SCORE_BATCH = 1000

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// Under the queues' prefix (its hash tag keeps every key in one Cluster
// slot), outside BullMQ's own `<prefix>:<queue>:` keys.
export const pendingKey = (deps: AppDeps, workspaceId: string) =>
  `${deps.queues.prefix}:lead-scoring:pending:${workspaceId}`
export const takenKey = (deps: AppDeps, jobId: string) =>
  `${deps.queues.prefix}:lead-scoring:taken:${jobId}`

export const scoreDeduplicationId = (workspaceId: string) => `leads.score.${workspaceId}`

/**
 * Asks for the given leads to be scored soon. Deduplicated per lead: a burst
 * of edits or engagement events scores each lead once. Ids that are not
 * uuids are ignored; unknown, deleted and converted leads are skipped by
 * the job. Throws when Redis is unreachable (callers after a commit log it).
 */
export async function requestLeadScoring (
  deps: AppDeps,
  workspaceId: string,
  leadIds: readonly string[]
): Promise<void> {
  const ids = [...new Set(leadIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))]
  if (ids.length === 0 || !UUID.test(workspaceId)) return
  const key = pendingKey(deps, workspaceId)
  for (let i = 0; i < ids.length; i += SCORE_BATCH) {
    await deps.redis.sadd(key, ...ids.slice(i, i + SCORE_BATCH))
  }
  await deps.queues.get('scoring').add(
    SCORE_JOB,
    { workspaceId, asOf: new Date().toISOString() },
    {
      delay: SCORE_DELAY_MS,
      deduplication: { id: scoreDeduplicationId(workspaceId), keepLastIfActive: true }
    }
  )
}

/**
 * Asks for every lead of the workspace to be rescored (after a rules change
 * or an import of leads): a `leads.rescore` job recorded in PostgreSQL (GET
 * /v1/jobs/{id} shows it) and handed to BullMQ after the commit.
 */
export async function requestWorkspaceRescore (deps: AppDeps, workspaceId: string): Promise<void> {
  const job = await deps.database.db.transaction((tx) =>
    startWorkspaceRescore(tx, { workspaceId, reason: 'requested', createdBy: null })
  )
  await dispatchJobs(deps, [job])
}

// Takes the ids this job already holds (a retry after a crash), else moves
// up to ARGV[1] ids from the pending set to the job's own set.
const TAKE = `
local held = redis.call('SMEMBERS', KEYS[2])
if #held > 0 then return held end
local ids = redis.call('SPOP', KEYS[1], ARGV[1])
if #ids > 0 then redis.call('SADD', KEYS[2], unpack(ids)) end
return ids`

/**
 * The next ids for job `jobId` to score. They stay in the job's own set
 * until `releaseTaken` (scored) or `returnTaken` (failed), so ids taken by
 * a worker that died are scored by the job's next attempt.
 */
export async function takePending (deps: AppDeps, workspaceId: string, jobId: string): Promise<string[]> {
  const keys = [pendingKey(deps, workspaceId), takenKey(deps, jobId)]
  const ids = await deps.redis.eval(TAKE, 2, ...keys, SCORE_BATCH)
  return (ids as string[]).filter((id) => UUID.test(id))
}

export async function releaseTaken (deps: AppDeps, jobId: string): Promise<void> {
  await deps.redis.del(takenKey(deps, jobId))
}

/** Puts a failed job's ids back with the pending ones, for the next job or attempt. */
export async function returnTaken (deps: AppDeps, workspaceId: string, jobId: string): Promise<void> {
  const pending = pendingKey(deps, workspaceId)
  const taken = takenKey(deps, jobId)
  await deps.redis.multi().sunionstore(pending, pending, taken).del(taken).exec()
}
