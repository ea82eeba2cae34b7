import { and, eq, isNull, type Placeholder, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Executor } from '../../db/pool.js'

export const ROLES = ['admin', 'manager', 'sales', 'marketing', 'support', 'readonly'] as const
export type Role = (typeof ROLES)[number]

/** Who is calling: taken from the credential, never from the request. */
export interface Tenant {
  workspaceId: string
  userId: string
  role: Role
  /** The credential that made the call (user id or API key id). */
  principal: string
}

export interface WriteContext {
  tx: Executor
  tenant: Tenant
}

export interface TenantTable {
  id: AnyPgColumn
  workspaceId: AnyPgColumn
  deletedAt?: AnyPgColumn
}

/**
 * The condition every query on a workspace table carries: the caller's
 * workspace and, for soft-deleted tables, only live rows. Generic queries add
 * it themselves; module queries must build on it.
 */
export function scoped (
  table: TenantTable,
  workspaceId: string | Placeholder,
  ...more: (SQL | undefined)[]
): SQL {
  const conditions = [eq(table.workspaceId, workspaceId)]
  if (table.deletedAt !== undefined) conditions.push(isNull(table.deletedAt))
  return and(...conditions, ...more) as SQL
}
