import { sql } from 'drizzle-orm'
import { boolean, index, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { recordColumns, sameWorkspace } from '../../../db/columns.js'
import { contacts } from '../../contacts/contacts.table.js'
import { opportunities } from '../opportunities.table.js'

/** A contact's part in an opportunity; at most one per pair, at most one primary. */
export const opportunityContactRoles = pgTable(
  'opportunity_contact_roles',
  {
    ...recordColumns(),
    opportunityId: uuid().notNull(),
    contactId: uuid().notNull(),
    role: text().notNull(),
    isPrimary: boolean().notNull().default(false)
  },
  (t) => [
    unique('opportunity_contact_roles_workspace_id_id_key').on(t.workspaceId, t.id),
    uniqueIndex('opportunity_contact_roles_opportunity_id_contact_id_key')
      .on(t.workspaceId, t.opportunityId, t.contactId)
      .where(sql`${t.deletedAt} is null`),
    uniqueIndex('opportunity_contact_roles_primary_key')
      .on(t.workspaceId, t.opportunityId)
      .where(sql`${t.isPrimary} and ${t.deletedAt} is null`),
    index('opportunity_contact_roles_workspace_id_contact_id_idx').on(t.workspaceId, t.contactId),
    sameWorkspace(
      'opportunity_contact_roles_opportunity_id_fkey',
      [t.workspaceId, t.opportunityId],
      [opportunities.workspaceId, opportunities.id]
    ),
    sameWorkspace(
      'opportunity_contact_roles_contact_id_fkey',
      [t.workspaceId, t.contactId],
      [contacts.workspaceId, contacts.id]
    )
  ]
)
