import { searchDocument } from '../../db/full-text.js'
import { sql } from 'drizzle-orm'
import { boolean, index, jsonb, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../db/columns.js'
import type { Address } from '../../lib/address.js'
import { accounts } from '../accounts/accounts.table.js'
import { users } from '../users/users.table.js'

/** What `q` searches in contacts; the GIN index below and every query use this one expression. */
export const contactsSearch = (t: Record<'firstName' | 'lastName' | 'email', AnyPgColumn>) =>
  searchDocument([t.firstName, t.lastName, { email: t.email }])

export const contacts = pgTable(
  'contacts',
  {
    ...recordColumns(),
    firstName: text(),
    lastName: text().notNull(),
    email: text(),
    phone: text(),
    mobilePhone: text(),
    title: text(),
    department: text(),
    accountId: uuid(),
    mailingAddress: jsonb().$type<Address>(),
    doNotCall: boolean().notNull().default(false),
    emailOptOut: boolean().notNull().default(false),
    leadSource: text(),
    ownerId: uuid(),
    description: text()
  },
  (t) => [
    unique('contacts_workspace_id_id_key').on(t.workspaceId, t.id),
    index('contacts_search_idx').using('gin', contactsSearch(t)),
    // Unique per workspace, compared case-insensitively; a deleted contact
    // frees its address.
    uniqueIndex('contacts_workspace_id_email_key')
      .on(t.workspaceId, sql`lower(${t.email})`)
      .where(isLive(t.deletedAt)),
    index('contacts_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('contacts_workspace_id_account_id_idx').on(t.workspaceId, t.accountId),
    sameWorkspace('contacts_account_id_fkey', [t.workspaceId, t.accountId], [accounts.workspaceId, accounts.id]),
    sameWorkspace('contacts_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id])
  ]
)
