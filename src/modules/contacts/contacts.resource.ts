import { and, ne, sql } from 'drizzle-orm'
import { registerUniqueConstraint } from '../../lib/constraints.js'
import { withFieldErrors } from '../../lib/errors.js'
import { scoped, type WriteContext } from '../../lib/records/tenant.js'
import { createAddresses, patchAddresses, pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accountTarget } from '../accounts/accounts.resource.js'
import { cases } from '../cases/cases.table.js'
import { LEAD_SOURCES } from '../leads/leads.schemas.js'
import { leads } from '../leads/leads.table.js'
import { opportunityContactRoles } from '../opportunities/contact-roles/contact-roles.table.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { activeUser } from '../users/users.references.js'
import { ContactEmailTakenError } from './contacts.errors.js'
import { type Contact, contactSchemas } from './contacts.schemas.js'
import { contacts, contactsSearch } from './contacts.table.js'

type ContactRow = typeof contacts.$inferSelect & Row

const PLAIN = [
  'firstName', 'lastName', 'email', 'phone', 'mobilePhone', 'title', 'department', 'accountId',
  'doNotCall', 'emailOptOut', 'leadSource', 'ownerId', 'description'
] as const
const ADDRESSES = ['mailingAddress'] as const

const EMAIL_TAKEN = 'another contact of this workspace already has this email'

// The index is the guard; the pre-check below only makes the usual case
// answer with the contact's own code. A race it loses still answers 409.
registerUniqueConstraint('contacts_workspace_id_email_key', {
  pointer: '/email',
  message: EMAIL_TAKEN,
  code: 'CRM_CONTACT_EMAIL_TAKEN'
})

export const contactTarget = (): ReferenceTarget => ({ name: 'contact', table: contacts })

/** Refuses an email a live contact of the workspace (other than `selfId`) has. */
async function assertEmailFree (ctx: WriteContext, email: string, selfId?: string) {
  const rows = await ctx.tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(scoped(
      contacts,
      ctx.tenant.workspaceId,
      and(
        sql`lower(${contacts.email}) = lower(${email})`,
        selfId === undefined ? undefined : ne(contacts.id, selfId)
      )
    ))
    .limit(1)
  if (rows.length > 0) {
    const error = new ContactEmailTakenError(EMAIL_TAKEN)
    throw withFieldErrors(error, [{ pointer: '/email', message: EMAIL_TAKEN }])
  }
}

export const contactResource: ResourceDefinition<ContactRow, Contact> = {
  name: 'contact',
  plural: 'contacts',
  code: 'CONTACT',
  noun: 'Contact',
  nounPlural: 'Contacts',
  tag: 'Contacts',
  table: contacts,
  schemas: contactSchemas,
  descriptions: {
    create: 'Creates a contact. `email` is unique among the live contacts of the workspace, ' +
      'ignoring case (409 `CRM_CONTACT_EMAIL_TAKEN`); `ownerId` defaults to the caller.',
    delete: 'Deletes the contact and frees its email. A contact that live opportunities, cases ' +
      'or converted leads still refer to is not deleted: the answer is 409 and names them.'
  },
  sortable: {
    createdAt: { column: contacts.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: contacts.updatedAt, kind: 'timestamp', nullable: false },
    lastName: { column: contacts.lastName, kind: 'text', nullable: false },
    firstName: { column: contacts.firstName, kind: 'text', nullable: true },
    email: { column: contacts.email, kind: 'text', nullable: true }
  },
  filters: [
    { kind: 'uuid', name: 'accountId', column: contacts.accountId },
    { kind: 'uuid', name: 'ownerId', column: contacts.ownerId },
    { kind: 'text', name: 'email', column: contacts.email },
    { kind: 'enum', name: 'leadSource', column: contacts.leadSource, values: LEAD_SOURCES },
    { kind: 'boolean', name: 'doNotCall', column: contacts.doNotCall },
    { kind: 'boolean', name: 'emailOptOut', column: contacts.emailOptOut },
    { kind: 'timestampRange', name: 'createdAt', column: contacts.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: contacts.updatedAt }
  ],
  search: contactsSearch(contacts),
  searchDescription: 'words to find in first name, last name or email',
  references: [
    { field: 'accountId', target: accountTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [
    { label: 'opportunities', table: () => opportunities, column: () => opportunities.contactId },
    { label: 'cases', table: () => cases, column: () => cases.contactId },
    { label: 'converted leads', table: () => leads, column: () => leads.convertedContactId },
    {
      label: 'opportunity contact roles',
      table: () => opportunityContactRoles,
      column: () => opportunityContactRoles.contactId
    }
  ],
  toDto: (row) => recordToDto<Contact>(contactSchemas.record, row),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    createAddresses(values, input, ADDRESSES)
    values.ownerId ??= ctx.tenant.userId
    if (typeof values.email === 'string') await assertEmailFree(ctx, values.email)
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    patchAddresses(values, current, input, ADDRESSES)
    if (typeof values.email === 'string') await assertEmailFree(ctx, values.email, current.id)
    return values
  }
}
