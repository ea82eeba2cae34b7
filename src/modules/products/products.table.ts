import { searchDocument } from '../../db/full-text.js'
import { sql } from 'drizzle-orm'
import { boolean, index, numeric, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../db/columns.js'
import { accounts } from '../accounts/accounts.table.js'

/** What `q` searches in products; the GIN index below and every query use this one expression. */
export const productsSearch = (t: Record<'name' | 'sku' | 'description', AnyPgColumn>) =>
  searchDocument([t.name, t.sku, t.description])

export const products = pgTable(
  'products',
  {
    ...recordColumns(),
    name: text().notNull(),
    sku: text(),
    description: text(),
    unitPrice: numeric({ precision: 14, scale: 2 }),
    currency: text().notNull(),
    cost: numeric({ precision: 14, scale: 2 }),
    vendorAccountId: uuid(),
    vendorName: text(),
    category: text(),
    unitOfMeasure: text(),
    isActive: boolean().notNull().default(true),
    isTaxable: boolean().notNull().default(true)
  },
  (t) => [
    unique('products_workspace_id_id_key').on(t.workspaceId, t.id),
    index('products_search_idx').using('gin', productsSearch(t)),
    uniqueIndex('products_workspace_id_sku_key')
      .on(t.workspaceId, sql`lower(${t.sku})`)
      .where(isLive(t.deletedAt)),
    index('products_workspace_id_created_at_idx')
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(isLive(t.deletedAt)),
    index('products_workspace_id_vendor_account_id_idx').on(t.workspaceId, t.vendorAccountId),
    sameWorkspace(
      'products_vendor_account_id_fkey',
      [t.workspaceId, t.vendorAccountId],
      [accounts.workspaceId, accounts.id]
    )
  ]
)
