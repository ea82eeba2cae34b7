import { searchDocument } from '../../db/full-text.js'
import { boolean, index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace, timestampColumn } from '../../db/columns.js'
import { accounts } from '../accounts/accounts.table.js'
import { contacts } from '../contacts/contacts.table.js'
import { products } from '../products/products.table.js'
import { users } from '../users/users.table.js'

/** What `q` searches in cases; the GIN index below and every query use this one expression. */
export const casesSearch = (t: Record<'subject' | 'description', AnyPgColumn>) =>
  searchDocument([t.subject, t.description])

export const cases = pgTable(
  'cases',
  {
    ...recordColumns(),
    number: integer().notNull(),
    subject: text().notNull(),
    description: text(),
    status: text().notNull().default('new'),
    isClosed: boolean().notNull().default(false),
    priority: text().notNull().default('normal'),
    type: text(),
    origin: text(),
    accountId: uuid(),
    contactId: uuid(),
    productId: uuid(),
    ownerId: uuid(),
    resolution: text(),
    firstResponseAt: timestampColumn(),
    firstResponseDueAt: timestampColumn().notNull(),
    resolutionDueAt: timestampColumn().notNull(),
    resolvedAt: timestampColumn(),
    closedAt: timestampColumn(),
    escalatedAt: timestampColumn(),
    reopenedAt: timestampColumn(),
    reopenCount: integer().notNull().default(0)
  },
  (t) => [
    unique('cases_workspace_id_id_key').on(t.workspaceId, t.id),
    index('cases_search_idx').using('gin', casesSearch(t)),
    unique('cases_workspace_id_number_key').on(t.workspaceId, t.number),
    index('cases_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('cases_workspace_id_account_id_idx').on(t.workspaceId, t.accountId),
    index('cases_workspace_id_contact_id_idx').on(t.workspaceId, t.contactId),
    index('cases_workspace_id_product_id_idx').on(t.workspaceId, t.productId),
    sameWorkspace('cases_account_id_fkey', [t.workspaceId, t.accountId], [accounts.workspaceId, accounts.id]),
    sameWorkspace('cases_contact_id_fkey', [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id]),
    sameWorkspace('cases_product_id_fkey', [t.workspaceId, t.productId], [products.workspaceId, products.id]),
    sameWorkspace('cases_owner_id_fkey', [t.workspaceId, t.ownerId], [users.workspaceId, users.id])
  ]
)
