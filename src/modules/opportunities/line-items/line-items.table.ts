import { index, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../../db/columns.js'
import { products } from '../../products/products.table.js'
import { opportunities } from '../opportunities.table.js'

/**
 * A product sold on an opportunity. Prices are in the opportunity's
 * currency; totalPrice is quantity × unitPrice × (1 − discount), computed in
 * exact decimals and stored so the opportunity's amount is their plain sum.
 */
export const opportunityLineItems = pgTable(
  'opportunity_line_items',
  {
    ...recordColumns(),
    opportunityId: uuid().notNull(),
    productId: uuid().notNull(),
    quantity: numeric({ precision: 14, scale: 4 }).notNull(),
    unitPrice: numeric({ precision: 14, scale: 2 }).notNull(),
    discountPercent: numeric({ precision: 5, scale: 2 }).notNull().default('0'),
    totalPrice: numeric({ precision: 14, scale: 2 }).notNull(),
    description: text()
  },
  (t) => [
    unique('opportunity_line_items_workspace_id_id_key').on(t.workspaceId, t.id),
    index('opportunity_line_items_workspace_id_opportunity_id_idx')
      .on(t.workspaceId, t.opportunityId, t.createdAt, t.id)
      .where(isLive(t.deletedAt)),
    index('opportunity_line_items_workspace_id_product_id_idx').on(t.workspaceId, t.productId),
    sameWorkspace(
      'opportunity_line_items_opportunity_id_fkey',
      [t.workspaceId, t.opportunityId],
      [opportunities.workspaceId, opportunities.id]
    ),
    sameWorkspace(
      'opportunity_line_items_product_id_fkey',
      [t.workspaceId, t.productId],
      [products.workspaceId, products.id]
    )
  ]
)
