import { eq, inArray, sql } from 'drizzle-orm'
import type { Database } from '../../../src/db/pool.js'
import { campaignMembers } from '../../../src/modules/campaigns/members/campaign-members.table.js'
import { expandFacts } from '../../../src/modules/lead-scoring/lead-scoring.facts.js'
import type { ScoringRules } from '../../../src/modules/lead-scoring/lead-scoring.schemas.js'
import { leads } from '../../../src/modules/leads/leads.table.js'
import type { OracleLead, OracleMember } from './scoring.oracle.js'

/**
 * Rows written straight into the tables, for tests that need many leads or
 * members fast (the API paths are tested elsewhere). Every row belongs to
 * the given workspace.
 */

export async function insertLeads (
  db: Database,
  workspaceId: string,
  rows: readonly (OracleLead & { status?: string, deletedAt?: Date | null })[]
): Promise<string[]> {
  if (rows.length === 0) return []
  const inserted = await db
    .insert(leads)
    .values(rows.map((r, i) => ({
      workspaceId,
      lastName: `Lead ${i}`,
      currency: r.currency ?? 'EUR',
      industry: r.industry,
      title: r.title,
      source: r.source,
      numberOfEmployees: r.numberOfEmployees,
      estimatedAmount: r.estimatedAmount,
      email: r.email,
      status: r.status ?? 'open',
      deletedAt: r.deletedAt ?? null
    })))
    .returning({ id: leads.id })
  return inserted.map((r) => r.id)
}

const furthestStep = (m: OracleMember) => {
  if (m.respondedAt !== null) return 'responded'
  if (m.clickedAt !== null) return 'clicked'
  return m.openedAt !== null ? 'opened' : 'sent'
}

/** Members of the lead, one per campaign given (a person is in a campaign once). */
export async function insertMembers (
  db: Database,
  workspaceId: string,
  leadId: string,
  campaignIds: readonly string[],
  members: readonly OracleMember[]
): Promise<void> {
  if (members.length === 0) return
  await db.insert(campaignMembers).values(members.map((m, i) => ({
    workspaceId,
    campaignId: campaignIds[i] as string,
    leadId,
    status: furthestStep(m),
    openedAt: m.openedAt,
    clickedAt: m.clickedAt,
    respondedAt: m.respondedAt
  })))
}

/** `count` plain open leads, made in one statement. */
export async function insertManyLeads (db: Database, workspaceId: string, count: number): Promise<void> {
  await db.execute(sql`
    insert into leads (workspace_id, last_name, currency, title, email)
    select ${workspaceId}::uuid, 'Bulk ' || g, 'EUR',
      case when g % 2 = 0 then 'Head of Sales' else 'Intern' end,
      'bulk' || g || '@example.com'
    from generate_series(1, ${count}::int) g`)
}

/**
 * The leads' score columns by id. With the rules that scored them, each
 * row's `scoreBreakdown` is its stored score facts expanded as the API
 * expands them (lead-scoring.facts.ts).
 */
export async function scoreColumns (db: Database, ids: readonly string[], rules?: ScoringRules) {
  const rows = await db
    .select({
      id: leads.id,
      score: leads.score,
      scoreFacts: leads.scoreFacts,
      storedBreakdown: leads.scoreBreakdown,
      scoreRulesVersion: leads.scoreRulesVersion,
      scoredAt: leads.scoredAt,
      version: leads.version,
      updatedAt: leads.updatedAt
    })
    .from(leads)
    .where(inArray(leads.id, [...ids]))
  return new Map(rows.map((r) => {
    const { storedBreakdown, ...row } = r
    const scoreBreakdown = rules !== undefined && r.scoreFacts !== null
      ? expandFacts(rules, r.scoreFacts)
      : storedBreakdown
    return [r.id, { ...row, scoreBreakdown }]
  }))
}

export async function scoredCount (db: Database, workspaceId: string, rulesVersion: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(leads)
    .where(sql`${eq(leads.workspaceId, workspaceId)} and ${leads.scoreRulesVersion} = ${rulesVersion}`)
  return row?.n ?? 0
}
