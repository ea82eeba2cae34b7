import { and, eq, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { scoped } from '../../../lib/records/tenant.js'
import type { SEND_STATUSES } from '../campaigns.schemas.js'
import { jobs } from '../../jobs/jobs.table.js'
import { campaigns } from '../campaigns.table.js'

export type SendStatus = (typeof SEND_STATUSES)[number]
export type CampaignRow = typeof campaigns.$inferSelect

/** The live campaign of the workspace, or undefined. */
export async function getSendCampaign (
  db: Executor,
  workspaceId: string,
  campaignId: string
): Promise<CampaignRow | undefined> {
  const rows = await db
    .select()
    .from(campaigns)
    .where(scoped(campaigns, workspaceId, eq(campaigns.id, campaignId)))
  return rows[0]
}

/**
 * Moves a campaign's send to a new state, only from one of `from` (null:
 * never sent), as one conditional update that bumps the version like any
 * change of the record. Answers the updated row, or undefined when the
 * campaign was not in one of those states (someone else moved it first).
 */
export async function updateSendState (
  db: Executor,
  workspaceId: string,
  campaignId: string,
  from: readonly (SendStatus | null)[],
  changes: Partial<Pick<CampaignRow,
    'sendStatus' | 'sendAt' | 'sendStartedAt' | 'sendFinishedAt' | 'sendSkipped' | 'sendJobId'>>,
  /** Only while this is still the campaign's send job. */
  jobId?: string
): Promise<CampaignRow | undefined> {
  const states = from.filter((s): s is SendStatus => s !== null)
  const inState = or(
    states.length > 0 ? inArray(campaigns.sendStatus, states) : undefined,
    from.includes(null) ? isNull(campaigns.sendStatus) : undefined
  )
  const rows = await db
    .update(campaigns)
    .set({ ...changes, updatedAt: sql`now()`, version: sql`${campaigns.version} + 1` })
    .where(scoped(campaigns, workspaceId, and(
      eq(campaigns.id, campaignId),
      inState,
      jobId === undefined ? undefined : eq(campaigns.sendJobId, jobId)
    )))
    .returning()
  return rows[0]
}

/**
 * Sets sendStartedAt once, when a worker first begins; a scheduled send
 * becomes sending once its sendAt has come (a few seconds of clock skew
 * between the servers allowed).
 */
export async function markSendStarted (db: Executor, workspaceId: string, campaignId: string) {
  await db
    .update(campaigns)
    .set({
      sendStatus: 'sending',
      sendStartedAt: sql`coalesce(${campaigns.sendStartedAt}, now())`,
      updatedAt: sql`now()`,
      version: sql`${campaigns.version} + 1`
    })
    .where(scoped(campaigns, workspaceId, and(
      eq(campaigns.id, campaignId),
      or(
        and(
          eq(campaigns.sendStatus, 'scheduled'),
          sql`${campaigns.sendAt} <= now() + interval '5 seconds'`
        ),
        and(eq(campaigns.sendStatus, 'sending'), isNull(campaigns.sendStartedAt))
      )
    )))
}

/**
 * The campaigns of every workspace whose send should be moving and whose
 * job did not fail for good, a page at a time (keyset on the id), for the
 * recovery sweep.
 */
export async function activeSends (db: Executor, afterId: string | null, limit: number) {
  return db
    .select({
      workspaceId: campaigns.workspaceId,
      id: campaigns.id,
      sendJobId: campaigns.sendJobId
    })
    .from(campaigns)
    .innerJoin(jobs, eq(jobs.id, campaigns.sendJobId))
    .where(and(
      inArray(campaigns.sendStatus, ['sending', 'scheduled']),
      isNull(campaigns.deletedAt),
      ne(jobs.status, 'failed'),
      afterId === null ? undefined : gt(campaigns.id, afterId)
    ))
    .orderBy(campaigns.id)
    .limit(limit)
}
