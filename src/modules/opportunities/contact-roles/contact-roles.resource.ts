import { sql } from 'drizzle-orm'
import { registerUniqueConstraint } from '../../../lib/constraints.js'
import { InvalidReferenceError, withFieldErrors } from '../../../lib/errors.js'
import { pickFields } from '../../../lib/resource/resource.fields.js'
import { missingReferences } from '../../../lib/resource/resource.queries.js'
import { recordToDto } from '../../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition } from '../../../lib/resource/resource.js'
import { contacts, contactsSearch } from '../../contacts/contacts.table.js'
import { ContactRoleExistsError } from './contact-roles.errors.js'
import { type ContactRoleRow, lockRoleOfContact } from './contact-roles.queries.js'
import {
  CONTACT_ROLES,
  type ContactRole,
  ContactRoleSchema,
  type CreateContactRoleBody,
  CreateContactRoleBodySchema,
  type UpdateContactRoleBody,
  UpdateContactRoleBodySchema
} from './contact-roles.schemas.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'

// Every write of a role holds the opportunity's lock, so the pre-checks
// decide; should a write ever skip it, the indexes still answer a clear 409.
registerUniqueConstraint('opportunity_contact_roles_opportunity_id_contact_id_key', {
  pointer: '/contactId',
  message: 'this contact already has a role on this opportunity',
  code: 'CRM_OPPORTUNITY_CONTACT_EXISTS'
})
registerUniqueConstraint('opportunity_contact_roles_primary_key', {
  pointer: '/isPrimary',
  message: 'another role of this opportunity is primary',
  code: 'CRM_CONFLICT'
})

/** What adding a role knows: the (locked) opportunity and the validated body. */
export interface NewContactRole {
  opportunityId: string
  body: CreateContactRoleBody
}

// Local rather than the contacts resource's: that module may come to import
// this one, and in a cycle one side's targets are still uninitialized.
const contactTarget = (): ReferenceTarget => ({ name: 'contact', table: contacts })

/** `q` finds a role by its contact's name and email. */
const contactRolesSearch = sql`coalesce((
  select ${contactsSearch(contacts)} from ${contacts}
  where ${contacts.workspaceId} = ${roles.workspaceId} and ${contacts.id} = ${roles.contactId}
), ''::tsvector)`

/**
 * The contact roles of an opportunity as a resource: what the list, the get
 * and the writes of contact-roles.service.ts share. Its writes are not the
 * generic ones: they keep the primary role and the opportunity's contactId
 * in step.
 */
export const contactRoleResource: ResourceDefinition<ContactRoleRow, ContactRole> = {
  name: 'contact role',
  plural: 'opportunity-contact-roles',
  code: 'CONTACT_ROLE',
  noun: 'OpportunityContactRole',
  nounPlural: 'OpportunityContactRoles',
  tag: 'Opportunities',
  idParam: 'contactRoleId',
  wording: { plural: 'contact roles' },
  table: roles,
  schemas: {
    record: ContactRoleSchema,
    create: CreateContactRoleBodySchema,
    update: UpdateContactRoleBodySchema
  },
  sortable: {
    createdAt: { column: roles.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: roles.updatedAt, kind: 'timestamp', nullable: false },
    role: { column: roles.role, kind: 'text', nullable: false }
  },
  filters: [
    { kind: 'uuid', name: 'contactId', column: roles.contactId },
    { kind: 'enum', name: 'role', column: roles.role, values: CONTACT_ROLES },
    { kind: 'boolean', name: 'isPrimary', column: roles.isPrimary },
    { kind: 'timestampRange', name: 'createdAt', column: roles.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: roles.updatedAt }
  ],
  search: contactRolesSearch,
  searchDescription: 'words to find in the contact\'s name or email',
  references: [],
  referencedBy: [],
  toDto: (row) => recordToDto<ContactRole>(ContactRoleSchema, row),
  async prepareCreate (ctx, input) {
    const { opportunityId, body } = input as NewContactRole
    const workspaceId = ctx.tenant.workspaceId
    const missing = await missingReferences(ctx.tx, contactTarget(), workspaceId, [body.contactId])
    if (missing.size > 0) {
      const message = `no contact with id ${body.contactId}`
      throw withFieldErrors(new InvalidReferenceError(`contactId: ${message}`), [
        { pointer: '/contactId', message }
      ])
    }
    const taken = await lockRoleOfContact(ctx.tx, workspaceId, opportunityId, body.contactId)
    if (taken !== undefined) {
      const error = new ContactRoleExistsError(body.contactId)
      throw withFieldErrors(error, [{ pointer: '/contactId', message: error.message }])
    }
    return {
      opportunityId,
      contactId: body.contactId,
      role: body.role,
      isPrimary: body.isPrimary ?? false
    }
  },
  async prepareUpdate (_ctx, _current, patch) {
    return pickFields(patch as UpdateContactRoleBody, ['role', 'isPrimary'])
  }
}
