import type { Database, Executor } from '../../db/pool.js'
import type { AppDeps } from '../../deps.js'
import type { Tenant } from '../../lib/records/tenant.js'
import { checkPrecondition } from '../../lib/resource/resource.service.js'
import { dispatchJobs, type JobRow, recordJob } from '../jobs/jobs.outbox.js'
import { expandFacts } from './lead-scoring.facts.js'
import { getRulesOfVersion, getScoringRules, saveScoringRules } from './lead-scoring.queries.js'
import { normalizeRules } from './lead-scoring.rules.js'
import type {
  LeadScoringRules,
  ReplaceScoringRulesBody,
  ScoreEntry,
  ScoringRules
} from './lead-scoring.schemas.js'
import type { ScoringTarget } from './lead-scoring.sql.js'

export interface RescoreRequest {
  workspaceId: string
  /** Why: rules_changed, requested, nightly; shown in the job's payload. */
  reason: string
  createdBy: string | null
}

/**
 * Records a `leads.rescore` job of the workspace in the caller's
 * transaction; dispatch it after the commit. Its `asOf` is now: decay is
 * counted to this day however late the job runs, so running it twice
 * writes the same scores.
 */
export async function startWorkspaceRescore (tx: Executor, request: RescoreRequest): Promise<JobRow> {
  return recordJob(tx, {
    workspaceId: request.workspaceId,
    queue: 'scoring',
    name: 'leads.rescore',
    payload: { workspaceId: request.workspaceId, asOf: new Date().toISOString(), reason: request.reason },
    createdBy: request.createdBy
  })
}

/** JSON with sorted keys: jsonb keeps its own key order, so compare documents this way. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const sameRules = (a: ScoringRules, b: ScoringRules) => canonical(a) === canonical(b)

/**
 * Makes `body` the workspace's rules, in one transaction that also records
 * the rescore of every lead; the job is dispatched after the commit. A
 * document equal to the stored one changes nothing and starts no rescore.
 * With If-Match, a stale ETag (the rules version) answers 412.
 */
export async function replaceScoringRules (
  deps: AppDeps & { db: Database },
  tenant: Tenant,
  body: ReplaceScoringRulesBody,
  ifMatch: string | undefined
): Promise<{ rules: LeadScoringRules, rescoreJob: JobRow | null }> {
  const rules = normalizeRules(body)
  const outcome = await deps.db.transaction(async (tx) => {
    const current = await getScoringRules(tx, tenant.workspaceId, { forUpdate: true })
    checkPrecondition(ifMatch, current.version)
    const stored = { fit: current.fit, engagement: current.engagement }
    if (!current.isDefault && sameRules(stored, rules)) return { rules: current, rescoreJob: null }
    const saved = await saveScoringRules(tx, tenant.workspaceId, rules, tenant.userId)
    const rescoreJob = await startWorkspaceRescore(tx, {
      workspaceId: tenant.workspaceId,
      reason: 'rules_changed',
      createdBy: tenant.userId
    })
    return { rules: saved, rescoreJob }
  })
  if (outcome.rescoreJob !== null) await dispatchJobs(deps, [outcome.rescoreJob])
  return outcome
}

/** What a scoring statement needs: the rules in force now and the day decay counts to. */
export async function scoringTarget (
  db: Executor,
  workspaceId: string,
  asOf: string
): Promise<ScoringTarget> {
  const current = await getScoringRules(db, workspaceId)
  return {
    workspaceId,
    rulesVersion: current.version,
    rules: { fit: current.fit, engagement: current.engagement },
    asOfDay: new Date(asOf).toISOString().slice(0, 10)
  }
}

/**
 * A scored lead's breakdown: its score facts read against the rules
 * version that scored it. A lead scored before facts were stored keeps
 * the breakdown it was written with; one never scored has none.
 */
export async function leadBreakdown (
  db: Executor,
  workspaceId: string,
  row: { scoreFacts: number[] | null, scoreBreakdown: unknown, scoreRulesVersion: number | null }
): Promise<ScoreEntry[]> {
  if (row.scoreFacts === null || row.scoreRulesVersion === null) {
    return (row.scoreBreakdown as ScoreEntry[] | null) ?? []
  }
  const rules = await getRulesOfVersion(db, workspaceId, row.scoreRulesVersion)
  if (rules === undefined) {
    throw new Error(`rules version ${row.scoreRulesVersion} of workspace ${workspaceId} is missing`)
  }
  return expandFacts(rules, row.scoreFacts)
}
