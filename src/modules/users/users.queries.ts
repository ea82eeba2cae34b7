import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { users } from './users.table.js'

export type UserRow = typeof users.$inferSelect

/** Sign-in is global: the email names the user, and so the workspace. */
export async function findUserByEmail (db: Executor, email: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).limit(1)
  return rows[0]
}

export async function insertUser (
  tx: Executor,
  values: { workspaceId: string, email: string, name: string, role: string, passwordHash: string }
): Promise<UserRow> {
  const [row] = await tx.insert(users).values(values).returning()
  return row as UserRow
}

export async function recordSignIn (db: Executor, id: string): Promise<UserRow> {
  const [row] = await db.update(users).set({ lastSignInAt: new Date() }).where(sql`${users.id} = ${id}`).returning()
  return row as UserRow
}
