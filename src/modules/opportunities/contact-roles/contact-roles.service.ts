import type { Database } from '../../../db/pool.js'
import { deleteRecord, insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { checkPrecondition } from '../../../lib/resource/resource.service.js'
import { lockOpportunity, type OpportunityRow } from '../opportunities.resource.js'
import { opportunities } from '../opportunities.table.js'
import { contactRoleResource } from './contact-roles.resource.js'
import { type ContactRoleRow, lockContactRole, lockPrimaryRole } from './contact-roles.queries.js'
import type { CreateContactRoleBody, UpdateContactRoleBody } from './contact-roles.schemas.js'
import { opportunityContactRoles as roles } from './contact-roles.table.js'

/**
 * The writes of an opportunity's contact roles, each one transaction that
 * first locks the opportunity, so that two writes to its roles (or a role
 * and a PATCH of the opportunity) apply one after the other. A primary role
 * sets the opportunity's contactId; losing it clears contactId.
 */

async function clearPrimary (ctx: WriteContext, opportunityId: string) {
  const primary = await lockPrimaryRole(ctx.tx, ctx.tenant.workspaceId, opportunityId)
  if (primary !== undefined) await updateRecord(ctx, roles, primary, { isPrimary: false })
}

/** The opportunity's contactId as the roles now say; no write when it already is. */
async function setContact (
  ctx: WriteContext,
  opportunity: OpportunityRow,
  contactId: string | null
) {
  await updateRecord(ctx, opportunities, opportunity, { contactId })
}

async function lockRole (ctx: WriteContext, opportunityId: string, id: string) {
  const role = await lockContactRole(ctx.tx, ctx.tenant.workspaceId, opportunityId, id)
  if (role === undefined) throw notFound(contactRoleResource, id)
  return role
}

export async function addContactRole (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  body: CreateContactRoleBody
): Promise<ContactRoleRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const values = await contactRoleResource.prepareCreate(ctx, { opportunityId, body })
    if (values.isPrimary === true) await clearPrimary(ctx, opportunityId)
    const role = await insertRecord<ContactRoleRow>(ctx, roles, values)
    if (role.isPrimary) await setContact(ctx, opportunity, role.contactId)
    return role
  })
}

export async function changeContactRole (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  id: string,
  patch: UpdateContactRoleBody,
  ifMatch: string | undefined
): Promise<ContactRoleRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const current = await lockRole(ctx, opportunityId, id)
    checkPrecondition(ifMatch, current.version)
    const changes = await contactRoleResource.prepareUpdate(ctx, current, patch)
    if (changes.isPrimary === true && !current.isPrimary) await clearPrimary(ctx, opportunityId)
    const role = await updateRecord(ctx, roles, current, changes)
    if (role.isPrimary) await setContact(ctx, opportunity, role.contactId)
    else if (current.isPrimary) await setContact(ctx, opportunity, null)
    return role
  })
}

export async function removeContactRole (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  id: string,
  ifMatch: string | undefined
): Promise<void> {
  await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const current = await lockRole(ctx, opportunityId, id)
    checkPrecondition(ifMatch, current.version)
    await deleteRecord(ctx, roles, current)
    if (current.isPrimary) await setContact(ctx, opportunity, null)
  })
}
