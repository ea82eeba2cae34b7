import { and, eq, lt, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { idempotencyKeys } from './idempotency.table.js'

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect

/** Kept at least this long, as the API promises. */
export const RETENTION_HOURS = 24
/** A "running" key older than this belonged to a request that died; it may be retaken. */
export const ABANDONED_AFTER_MS = 5 * 60_000

interface KeyId { workspaceId: string, principal: string, key: string }

const where = (k: KeyId) =>
  and(
    eq(idempotencyKeys.workspaceId, k.workspaceId),
    eq(idempotencyKeys.principal, k.principal),
    eq(idempotencyKeys.key, k.key)
  )

/** Claims the key for this request; undefined when another request holds it. */
export async function claimKey (db: Executor, k: KeyId, requestHash: string): Promise<boolean> {
  const rows = await db
    .insert(idempotencyKeys)
    .values({
      ...k,
      requestHash,
      state: 'running',
      expiresAt: sql`now() + make_interval(hours => ${RETENTION_HOURS})`
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
  return rows.length === 1
}

export async function findKey (db: Executor, k: KeyId): Promise<IdempotencyRow | undefined> {
  const rows = await db.select().from(idempotencyKeys).where(where(k))
  return rows[0]
}

/** Drops an expired or abandoned key so that it can be claimed again. */
export async function releaseKey (db: Executor, k: KeyId, onlyIfCreatedAt?: Date) {
  const condition = onlyIfCreatedAt === undefined
    ? where(k)
    : and(where(k), eq(idempotencyKeys.createdAt, onlyIfCreatedAt))
  await db.delete(idempotencyKeys).where(condition)
}

export async function completeKey (
  db: Executor,
  k: KeyId,
  response: { status: number, headers: Record<string, string>, body: string }
) {
  await db
    .update(idempotencyKeys)
    .set({
      state: 'done',
      responseStatus: response.status,
      responseHeaders: response.headers,
      responseBody: response.body
    })
    .where(where(k))
}

export async function purgeExpiredKeys (db: Executor): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.expiresAt, sql`now()`))
    .returning({ key: idempotencyKeys.key })
  return rows.length
}
