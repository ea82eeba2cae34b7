import { sql } from 'drizzle-orm'
import { searchDocument } from '../../db/full-text.js'
import { index, integer, jsonb, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../db/columns.js'
import type { Address } from '../../lib/address.js'
import { users } from '../users/users.table.js'

/** What `q` searches in accounts; the GIN index below and every query use this one expression. */
export const accountsSearch = (t: Record<'name' | 'domain' | 'email', AnyPgColumn>) =>
  searchDocument([t.name, t.domain, { email: t.email }])

export const accounts = pgTable(
  'accounts',
  {
    ...recordColumns(),
    name: text().notNull(),
    website: text(),
    domain: text(),
    industry: text(),
    type: text(),
    phone: text(),
    email: text(),
    billingAddress: jsonb().$type<Address>(),
    shippingAddress: jsonb().$type<Address>(),
    annualRevenue: numeric({ precision: 14, scale: 2 }),
    currency: text(),
    numberOfEmployees: integer(),
    parentAccountId: uuid(),
    ownerId: uuid(),
    description: text()
  },
  (t) => [
    unique('accounts_workspace_id_id_key').on(t.workspaceId, t.id),
    index('accounts_search_idx').using('gin', accountsSearch(t)),
    index('accounts_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('accounts_workspace_id_domain_idx').on(t.workspaceId, t.domain).where(isLive(t.deletedAt)),
    // Lead conversion finds an account by its name, ignoring case and blanks.
    index('accounts_workspace_id_name_idx')
      .on(t.workspaceId, sql`lower(trim(${t.name}))`)
      .where(isLive(t.deletedAt)),
    index('accounts_workspace_id_parent_account_id_idx').on(t.workspaceId, t.parentAccountId),
    sameWorkspace('accounts_parent_account_id_fkey', [t.workspaceId, t.parentAccountId], [t.workspaceId, t.id]),
    sameWorkspace('accounts_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id])
  ]
)
