import { randomBytes } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { workspaceCounters, workspaces } from './workspaces.table.js'

export type WorkspaceRow = typeof workspaces.$inferSelect

function slugify (name: string): string {
  const base = name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)
  return `${base || 'workspace'}-${randomBytes(3).toString('hex')}`
}

export async function insertWorkspace (
  tx: Executor,
  values: { name: string, currency: string, timezone: string }
): Promise<WorkspaceRow> {
  const [row] = await tx.insert(workspaces).values({ ...values, slug: slugify(values.name) }).returning()
  return row as WorkspaceRow
}

export async function getWorkspace (db: Executor, id: string): Promise<WorkspaceRow | undefined> {
  const rows = await db.select().from(workspaces).where(eq(workspaces.id, id))
  return rows[0]
}

/**
 * The next value of a per-workspace sequence (case numbers). The row lock
 * taken by the upsert serializes concurrent writers until their commit, so
 * numbers are unique and, unless a transaction rolls back, without gaps.
 */
export async function nextCounter (tx: Executor, workspaceId: string, name: string): Promise<number> {
  const [row] = await tx
    .insert(workspaceCounters)
    .values({ workspaceId, name, value: 1 })
    .onConflictDoUpdate({
      target: [workspaceCounters.workspaceId, workspaceCounters.name],
      set: { value: sql`${workspaceCounters.value} + 1` }
    })
    .returning({ value: workspaceCounters.value })
  return (row as { value: number }).value
}
