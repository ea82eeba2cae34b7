import { randomBytes } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { workspaceCounters, workspaces } from './workspaces.table.js'

export type WorkspaceRow = typeof workspaces.$inferSelect

const slugBase = (name: string) =>
  name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'workspace'

const randomSuffix = () => randomBytes(3).toString('hex')

/** Tries before a signup gives up on finding a free slug; each clash is one chance in 16.7 million per taken slug. */
const SLUG_TRIES = 5

/**
 * Inserts the workspace under a slug made of its name and a random suffix.
 * Names repeat (every other company is "Acme"), so a suffix already taken
 * is drawn again rather than answering the signup with a conflict.
 * `suffix` is for tests, which need a clash on purpose.
 */
export async function insertWorkspace (
  tx: Executor,
  values: { name: string, currency: string, timezone: string },
  suffix: () => string = randomSuffix
): Promise<WorkspaceRow> {
  const base = slugBase(values.name)
  for (let i = 0; i < SLUG_TRIES; i++) {
    const [row] = await tx
      .insert(workspaces)
      .values({ ...values, slug: `${base}-${suffix()}` })
      .onConflictDoNothing({ target: workspaces.slug })
      .returning()
    if (row !== undefined) return row
  }
  throw new Error(`no free workspace slug for "${base}" after ${SLUG_TRIES} tries`)
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
