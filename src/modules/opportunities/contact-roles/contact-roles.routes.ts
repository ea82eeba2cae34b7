import type { FastifyInstance } from 'fastify'
import { registerChildResourceRoutes } from '../../../lib/resource/child-resource.routes.js'
import { findOpportunity, opportunityResource } from '../opportunities.resource.js'
import { getContactRole } from './contact-roles.queries.js'
import { contactRoleResource } from './contact-roles.resource.js'
import { ContactRoleSchema, type CreateContactRoleBody, type UpdateContactRoleBody } from './contact-roles.schemas.js'
import { addContactRole, changeContactRole, removeContactRole } from './contact-roles.service.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'
// Registers the listener that keeps the primary role in step with a PATCH of contactId.
import './contact-roles.sync.js'

const PRIMARY_RULE = 'The primary role mirrors the opportunity\'s `contactId`: making a role primary makes ' +
  'the previous primary role a plain one and sets `contactId` to its contact; a primary role that stops ' +
  'being primary, or is removed, clears `contactId`.'

/**
 * `/v1/opportunities/{opportunityId}/contacts`: the contacts taking part in
 * an opportunity, each with a role, one of them primary. Permissions are
 * the opportunity's; an opportunity that does not exist for the caller
 * answers 404 on every route.
 */
export async function contactRolesRoutes (app: FastifyInstance) {
  app.addSchema(ContactRoleSchema)
  registerChildResourceRoutes(app, {
    parent: opportunityResource,
    findParent: findOpportunity,
    child: contactRoleResource,
    segment: 'contacts',
    link: roles.opportunityId,
    operations: {
      list: {
        summary: 'List the contact roles of an opportunity',
        description: 'A page of the opportunity\'s contact roles, newest first unless `sort` says ' +
          'otherwise, with the cursor, sort and filter grammar of every list; `q` matches the contact\'s ' +
          'name and email. An unknown opportunity answers 404.'
      },
      create: {
        summary: 'Add a contact to an opportunity',
        description: 'Gives a contact a role on the opportunity. The contact must be a live contact of the ' +
          'workspace (422 `CRM_INVALID_REFERENCE`) without a role on this opportunity yet (409 ' +
          `\`CRM_OPPORTUNITY_CONTACT_EXISTS\`). ${PRIMARY_RULE} Idempotency-Key replays a retry.`
      },
      get: {
        summary: 'Get a contact role of an opportunity',
        description: 'A role of another opportunity, or of an unknown one, answers 404.'
      },
      update: {
        summary: 'Change a contact role of an opportunity',
        description: 'Changes the role or whether it is primary; the contact cannot change (remove the ' +
          `role and add another). ${PRIMARY_RULE} With If-Match, a stale ETag answers 412 and changes nothing.`
      },
      delete: {
        summary: 'Remove a contact from an opportunity',
        description: 'Removes the contact\'s role; removing the primary role clears the opportunity\'s ' +
          '`contactId`. With If-Match, a stale ETag answers 412.'
      }
    },
    answers: { update: 'The changed contact role' },
    get: getContactRole,
    create: (db, tenant, opportunityId, body) =>
      addContactRole(db, tenant, opportunityId, body as CreateContactRoleBody),
    update: (db, tenant, opportunityId, id, patch, ifMatch) =>
      changeContactRole(db, tenant, opportunityId, id, patch as UpdateContactRoleBody, ifMatch),
    delete: removeContactRole
  })
}
