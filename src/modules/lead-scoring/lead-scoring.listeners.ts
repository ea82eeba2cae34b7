import type { AppDeps } from '../../deps.js'
import { afterWrites, onRecordChange, type RecordChange } from '../../lib/records/record-writer.js'
import { campaignMembers } from '../campaigns/members/campaign-members.table.js'
import { leads } from '../leads/leads.table.js'
import { requestLeadScoring } from './lead-scoring.enqueue.js'

/**
 * Lead writes and campaign member writes ask for the lead to be scored.
 * Listeners run inside the write's transaction, so they only note the lead
 * in the write scope; the scope asks for scoring (one call per workspace)
 * once the request's transaction has ended, and the job, a second later,
 * reads the committed rows. Were the transaction rolled back, the job
 * computes the score the lead already has: harmless.
 */

// Worker jobs run in a write scope too (src/worker.ts), so writes a job
// makes through the record writer ask for scoring the same way.

interface Requested { workspaceId: string, leadId: string }

/** The lead fields fit rules look at: a change of any other field leaves the score as it is. */
const SCORED_FIELDS = [
  'industry', 'title', 'source', 'numberOfEmployees', 'estimatedAmount', 'email'
] as const

/** The member times engagement counts; a member added, removed or with one of these changed rescores. */
const ENGAGEMENT_FIELDS = ['openedAt', 'clickedAt', 'respondedAt'] as const

async function flush (deps: AppDeps, items: Requested[]) {
  const byWorkspace = new Map<string, string[]>()
  for (const { workspaceId, leadId } of items) {
    byWorkspace.set(workspaceId, [...(byWorkspace.get(workspaceId) ?? []), leadId])
  }
  for (const [workspaceId, leadIds] of byWorkspace) await requestLeadScoring(deps, workspaceId, leadIds)
}

const request = (workspaceId: string, leadId: string) =>
  afterWrites<Requested>('lead-scoring', { workspaceId, leadId }, flush)

const time = (v: unknown) => (v instanceof Date ? v.getTime() : v ?? null)

function changed (change: RecordChange, fields: readonly string[]): boolean {
  const { before, after } = change
  if (before === undefined || after === undefined) return true
  return fields.some((f) => time(before[f]) !== time(after[f]))
}

onRecordChange(leads, async (_ctx, change) => {
  const lead = change.after
  // Deleted and converted leads are not scored.
  if (lead === undefined || lead.status === 'converted') return
  if (!changed(change, SCORED_FIELDS)) return
  request(lead.workspaceId as string, lead.id as string)
})

onRecordChange(campaignMembers, async (_ctx, change) => {
  const member = change.after ?? change.before
  if (member === undefined || member.leadId === null || member.leadId === undefined) return
  if (!changed(change, ENGAGEMENT_FIELDS)) return
  request(member.workspaceId as string, member.leadId as string)
})
