import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { executePrepared } from '../../lib/records/prepared.js'
import { users } from '../users/users.table.js'
import { apiKeys } from './api-keys.table.js'

export type ApiKeyRow = typeof apiKeys.$inferSelect

/**
 * The key that a secret hash names, with its creator's state, or undefined.
 * Not tenant-scoped on purpose: the key is what tells the workspace.
 */
export async function findApiKeyByHash (db: Executor, secretHash: string) {
  const query = db
    .select({
      id: apiKeys.id,
      workspaceId: apiKeys.workspaceId,
      createdById: apiKeys.createdById,
      role: apiKeys.role,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
      userIsActive: users.isActive
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.createdById))
    .where(eq(apiKeys.secretHash, secretHash))
    .limit(1)
  const rows = await executePrepared(query, 'api_key_by_hash')
  return rows[0]
}

/** Records use at most once a minute, so busy keys do not write on every call. */
export async function touchApiKey (db: Executor, id: string) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(
      eq(apiKeys.id, id),
      or(
        isNull(apiKeys.lastUsedAt),
        lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)
      )
    ))
}

export async function listApiKeys (db: Executor, workspaceId: string) {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.workspaceId, workspaceId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
}

export async function getApiKey (db: Executor, workspaceId: string, id: string) {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id)))
  return rows[0]
}

export async function insertApiKey (db: Executor, values: typeof apiKeys.$inferInsert) {
  const [row] = await db.insert(apiKeys).values(values).returning()
  return row as ApiKeyRow
}

export async function revokeApiKey (db: Executor, workspaceId: string, id: string) {
  const [row] = await db
    .update(apiKeys)
    .set({
      revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())`,
      updatedAt: new Date(),
      version: sql`${apiKeys.version} + 1`
    })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id)))
    .returning()
  return row
}
