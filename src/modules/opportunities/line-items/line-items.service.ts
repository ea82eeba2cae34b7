import type { Database } from '../../../db/pool.js'
import { withFieldErrors } from '../../../lib/errors.js'
import { deleteRecord, insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { checkPrecondition } from '../../../lib/resource/resource.service.js'
import { lockOpportunity, type OpportunityRow } from '../opportunities.resource.js'
import { opportunities } from '../opportunities.table.js'
import { LineItemTotalTooLargeError } from './line-items.errors.js'
import { lineItemTotals, type LineItemRow, lockLineItem } from './line-items.queries.js'
import { lineItemResource } from './line-items.resource.js'
import type { CreateLineItemBody, UpdateLineItemBody } from './line-items.schemas.js'
import { opportunityLineItems as items } from './line-items.table.js'
import { exceedsMoney, MAX_MONEY } from './line-items.totals.js'

/**
 * The writes of an opportunity's line items. Each is one transaction that
 * first locks the opportunity FOR UPDATE, so concurrent changes to its items
 * apply one after the other, then writes the item and sets the opportunity's
 * amount to the exact sum of its live items through the record writer (the
 * history sees the change). With no item left, the amount stays as it was
 * and is the caller's to write again.
 */

async function followLineItems (ctx: WriteContext, opportunity: OpportunityRow) {
  const { count, sum } = await lineItemTotals(ctx.tx, ctx.tenant.workspaceId, opportunity.id)
  if (count === 0) return
  if (exceedsMoney(sum)) {
    const message = `the line items would sum to ${sum}, more than the largest amount, ${MAX_MONEY}`
    const error = new LineItemTotalTooLargeError(message)
    throw withFieldErrors(error, [{ pointer: '/quantity', message }])
  }
  await updateRecord(ctx, opportunities, opportunity, { amount: sum })
}

async function lockItem (ctx: WriteContext, opportunityId: string, id: string) {
  const item = await lockLineItem(ctx.tx, ctx.tenant.workspaceId, opportunityId, id)
  if (item === undefined) throw notFound(lineItemResource, id)
  return item
}

export async function addLineItem (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  body: CreateLineItemBody
): Promise<LineItemRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const values = await lineItemResource.prepareCreate(ctx, { opportunity, body })
    const item = await insertRecord<LineItemRow>(ctx, items, values)
    await followLineItems(ctx, opportunity)
    return item
  })
}

export async function changeLineItem (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  id: string,
  patch: UpdateLineItemBody,
  ifMatch: string | undefined
): Promise<LineItemRow> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const current = await lockItem(ctx, opportunityId, id)
    checkPrecondition(ifMatch, current.version)
    const changes = await lineItemResource.prepareUpdate(ctx, current, patch)
    const item = await updateRecord(ctx, items, current, changes)
    await followLineItems(ctx, opportunity)
    return item
  })
}

export async function removeLineItem (
  db: Database,
  tenant: Tenant,
  opportunityId: string,
  id: string,
  ifMatch: string | undefined
): Promise<void> {
  await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const opportunity = await lockOpportunity(ctx, opportunityId)
    const current = await lockItem(ctx, opportunityId, id)
    checkPrecondition(ifMatch, current.version)
    await deleteRecord(ctx, items, current)
    await followLineItems(ctx, opportunity)
  })
}
