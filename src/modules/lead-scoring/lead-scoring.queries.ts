import { and, asc, eq, gt, isNull, ne, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/pool.js'
import { leads } from '../leads/leads.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'
import { DEFAULT_RULES, DEFAULT_RULES_VERSION } from './lead-scoring.defaults.js'
import type { LeadScoringRules, ScoringRules } from './lead-scoring.schemas.js'
import { type LeadSelector, type ScoringTarget, scoreStatement } from './lead-scoring.sql.js'
import { leadScoringRules, leadScoringRuleVersions } from './lead-scoring.table.js'

/** The workspace's rules, or the defaults (version 0) when it has set none. */
export async function getScoringRules (
  db: Executor,
  workspaceId: string,
  options: { forUpdate?: boolean } = {}
): Promise<LeadScoringRules> {
  const query = db.select().from(leadScoringRules).where(eq(leadScoringRules.workspaceId, workspaceId))
  const [row] = options.forUpdate === true ? await query.for('update') : await query
  if (row === undefined) {
    const version = DEFAULT_RULES_VERSION
    return { version, isDefault: true, updatedAt: null, updatedBy: null, ...DEFAULT_RULES }
  }
  const rules = row.rules as ScoringRules
  return {
    version: row.version,
    isDefault: false,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
    fit: rules.fit,
    engagement: rules.engagement
  }
}

/**
 * Stores the document as the workspace's rules with the next version (1
 * for the first), and keeps it in the version history that leads' score
 * facts are read against. The caller holds the row lock when there is a
 * row (getScoringRules with forUpdate) and checked that something changed.
 */
export async function saveScoringRules (
  tx: Executor,
  workspaceId: string,
  rules: ScoringRules,
  userId: string
): Promise<LeadScoringRules> {
  const [row] = await tx
    .insert(leadScoringRules)
    .values({ workspaceId, rules, version: 1, updatedBy: userId })
    .onConflictDoUpdate({
      target: leadScoringRules.workspaceId,
      set: {
        rules,
        version: sql`${leadScoringRules.version} + 1`,
        updatedAt: sql`now()`,
        updatedBy: userId
      }
    })
    .returning()
  const saved = row as typeof leadScoringRules.$inferSelect
  await tx
    .insert(leadScoringRuleVersions)
    .values({ workspaceId, version: saved.version, rules, createdBy: userId })
  return {
    version: saved.version,
    isDefault: false,
    updatedAt: saved.updatedAt.toISOString(),
    updatedBy: saved.updatedBy,
    ...rules
  }
}

/**
 * Scores the selected leads of one workspace in one statement (see
 * scoreStatement); answers how many were written and the keyset cursor.
 */
export async function scoreLeads (
  db: Executor,
  target: ScoringTarget,
  selector: LeadSelector
): Promise<{ scored: number, lastId: string | null }> {
  const result = await db.execute(scoreStatement(target, selector))
  const row = result.rows[0] as { scored: number, lastId: string | null } | undefined
  return { scored: row?.scored ?? 0, lastId: row?.lastId ?? null }
}

const scorable = (workspaceId: string | AnyPgColumn) =>
  and(eq(leads.workspaceId, workspaceId), isNull(leads.deletedAt), ne(leads.status, 'converted'))

/** How many leads of the workspace scoring looks at: live and not converted. */
export async function countScorableLeads (db: Executor, workspaceId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(leads).where(scorable(workspaceId))
  return row?.n ?? 0
}

/** A live lead's score columns (converted ones included), or undefined. */
export async function getLeadScoreRow (db: Executor, workspaceId: string, leadId: string) {
  const [row] = await db
    .select({
      id: leads.id,
      score: leads.score,
      scoredAt: leads.scoredAt,
      scoreFacts: leads.scoreFacts,
      scoreBreakdown: leads.scoreBreakdown,
      scoreRulesVersion: leads.scoreRulesVersion
    })
    .from(leads)
    .where(and(eq(leads.workspaceId, workspaceId), eq(leads.id, leadId), isNull(leads.deletedAt)))
  return row
}

/** The rules of one version of the workspace's history (version 0: the defaults), or undefined. */
export async function getRulesOfVersion (
  db: Executor,
  workspaceId: string,
  version: number
): Promise<ScoringRules | undefined> {
  if (version === DEFAULT_RULES_VERSION) return DEFAULT_RULES
  const [row] = await db
    .select({ rules: leadScoringRuleVersions.rules })
    .from(leadScoringRuleVersions)
    .where(and(eq(leadScoringRuleVersions.workspaceId, workspaceId), eq(leadScoringRuleVersions.version, version)))
  return row?.rules as ScoringRules | undefined
}

/** The next page of workspaces by id that have a lead scoring looks at (the nightly rescore). */
export async function workspacesWithLeads (db: Executor, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(
      gt(workspaces.id, after),
      sql`exists (select 1 from ${leads} where ${scorable(workspaces.id)})`
    ))
    .orderBy(asc(workspaces.id))
    .limit(limit)
  return rows.map((r) => r.id)
}
