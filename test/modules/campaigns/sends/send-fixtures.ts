import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq, sql } from 'drizzle-orm'
import type { Config } from '../../../../src/config.js'
import type { Database } from '../../../../src/db/pool.js'
import type { AppDeps } from '../../../../src/deps.js'
import { createQueues, QUEUE_NAMES } from '../../../../src/jobs/queues.js'
import type { Tenant } from '../../../../src/lib/records/tenant.js'
import { campaignMembers } from '../../../../src/modules/campaigns/members/campaign-members.table.js'
import { campaignSends } from '../../../../src/modules/campaigns/sends/campaign-sends.table.js'
import { jobs } from '../../../../src/modules/jobs/jobs.table.js'
import { leads } from '../../../../src/modules/leads/leads.table.js'
import { createCampaign } from '../../../fixtures/campaigns.js'
import type { TestWorkspace } from '../../../fixtures/workspaces.js'

/** An email campaign with a complete message. */
export const SENDABLE = {
  type: 'email',
  subject: 'Hello {{firstName}}',
  fromName: 'Acme Marketing',
  fromEmail: 'news@acme.example',
  replyTo: 'sales@acme.example',
  htmlBody: '<p>Dear {{firstName}} {{lastName}} of {{company}}</p>',
  textBody: 'Dear {{firstName}} {{lastName}} of {{company}}'
}

export function createSendableCampaign (ws: Pick<TestWorkspace, 'request'>, overrides: Record<string, unknown> = {}) {
  return createCampaign(ws, { ...SENDABLE, ...overrides })
}

export interface SeedPerson {
  email: string | null
  firstName?: string
  lastName?: string
  company?: string
  emailOptOut?: boolean
}

/**
 * Leads inserted straight into their table and made members of the
 * campaign, in two statements, in the order given (members are created a
 * millisecond apart, so "the earliest added" is the first given). Answers
 * the member ids, in that order.
 */
export async function seedLeadMembers (
  db: Database,
  workspaceId: string,
  campaignId: string,
  people: SeedPerson[]
): Promise<string[]> {
  if (people.length === 0) return []
  const base = Date.now() - people.length - 1000
  const inserted = await db.insert(leads).values(people.map((p, i) => ({
    workspaceId,
    firstName: p.firstName ?? `First${i}`,
    lastName: p.lastName ?? `Last${i}`,
    email: p.email,
    company: p.company ?? `Company ${i}`,
    emailOptOut: p.emailOptOut ?? false,
    currency: 'EUR',
    createdAt: new Date(base + i)
  }))).returning({ id: leads.id })
  const members = await db.insert(campaignMembers).values(inserted.map((lead, i) => ({
    workspaceId, campaignId, leadId: lead.id, createdAt: new Date(base + i)
  }))).returning({ id: campaignMembers.id })
  return members.map((m) => m.id)
}

/** People with addresses `${prefix}${i}@example.com`. */
export const people = (count: number, prefix = 'person') =>
  Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com`, firstName: `P${i}` }))

/** Polls until `check` answers something other than undefined, or throws after `ms`. */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

export async function jobRow (db: Database, jobId: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, jobId))
  return row
}

/** Waits for the job row to reach a final status and answers it. */
export function jobFinished (db: Database, jobId: string, ms = 30_000) {
  return waitFor(`job ${jobId}`, async () => {
    const row = await jobRow(db, jobId)
    return row !== undefined && (row.status === 'succeeded' || row.status === 'failed') ? row : undefined
  }, ms)
}

export async function sendRows (db: Database, campaignId: string) {
  return db.select().from(campaignSends).where(eq(campaignSends.campaignId, campaignId))
}

export async function sendStatusCounts (db: Database, campaignId: string) {
  const rows = await db
    .select({ status: campaignSends.status, n: sql<number>`count(*)::int` })
    .from(campaignSends)
    .where(and(eq(campaignSends.campaignId, campaignId)))
    .groupBy(campaignSends.status)
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>
}

/**
 * The app's dependencies with their own queue prefix (so workers or a
 * fake BullMQ worker see only their own jobs) and config overrides, on the
 * app's connections; the queues are removed in teardown.
 */
export function isolatedDeps (
  t: { teardown: (fn: () => unknown) => void },
  deps: AppDeps,
  config: Partial<Config> = {}
): AppDeps {
  const queues = createQueues(deps.redis, `{test-${randomUUID().slice(0, 8)}}`)
  t.teardown(async () => {
    for (const name of Object.values(QUEUE_NAMES)) {
      await queues.get(name).obliterate({ force: true }).catch(() => {})
    }
    await queues.close()
  })
  return { ...deps, config: Object.freeze({ ...deps.config, ...config }), queues }
}

/** The workspace's admin as the services see a caller. */
export const tenantOf = (ws: TestWorkspace): Tenant =>
  ({ workspaceId: ws.workspaceId, userId: ws.userId, role: 'admin', principal: ws.userId })
