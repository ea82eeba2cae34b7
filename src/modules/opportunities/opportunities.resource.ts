import { withFieldErrors } from '../../lib/errors.js'
import type { Executor } from '../../db/pool.js'
import type { WriteContext } from '../../lib/records/tenant.js'
import { notFound } from '../../lib/resource/resource.errors.js'
import { moneyFields, pickFields } from '../../lib/resource/resource.fields.js'
import { getRecord, lockRecord } from '../../lib/resource/resource.queries.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accountTarget } from '../accounts/accounts.resource.js'
import { campaigns } from '../campaigns/campaigns.table.js'
import { contacts } from '../contacts/contacts.table.js'
import { leads } from '../leads/leads.table.js'
import {
  getFirstOpenStage,
  getStage,
  listStages,
  type StageRow
} from '../opportunity-stages/opportunity-stages.queries.js'
import { activeUser } from '../users/users.references.js'
import { getWorkspace } from '../workspaces/workspaces.queries.js'
import { removeContactRoles } from './contact-roles/contact-roles.queries.js'
import { hasLineItems, removeLineItems } from './line-items/line-items.queries.js'
import {
  AmountFromLineItemsError,
  CurrencyFromLineItemsError,
  LossReasonRequiredError,
  NoOpenStageError,
  UnknownStageError
} from './opportunities.errors.js'
import { expectedRevenue } from './opportunities.revenue.js'
import { type Opportunity, OPPORTUNITY_TYPES, opportunitySchemas } from './opportunities.schemas.js'
import { opportunities, opportunitiesSearch } from './opportunities.table.js'

export type OpportunityRow = typeof opportunities.$inferSelect & Row

const PLAIN = [
  'name', 'accountId', 'contactId', 'probability', 'amount', 'currency', 'closeDate', 'type', 'source',
  'campaignId', 'leadId', 'nextStep', 'lossReason', 'ownerId', 'description'
] as const

// Local rather than imported from the contacts, campaigns and leads
// resources, which may come to import this one (lead conversion makes
// opportunities): in a cycle of resource modules one side's targets are
// still uninitialized while the other's definition is built.
const contactTarget = (): ReferenceTarget => ({ name: 'contact', table: contacts })
const campaignTarget = (): ReferenceTarget => ({ name: 'campaign', table: campaigns })
const leadTarget = (): ReferenceTarget => ({ name: 'lead', table: leads })

export const opportunityTarget = (): ReferenceTarget => ({ name: 'opportunity', table: opportunities })

/** The UTC calendar date, as a date column holds it. */
const today = () => new Date().toISOString().slice(0, 10)

/**
 * The stage a write names, or the first open stage by position when it names
 * none. An unknown key fails with the keys the workspace does have.
 */
async function resolveStage (ctx: WriteContext, key: string | undefined): Promise<StageRow> {
  const workspaceId = ctx.tenant.workspaceId
  if (key !== undefined) {
    const stage = await getStage(ctx.tx, workspaceId, key)
    if (stage !== undefined) return stage
    const allowed = (await listStages(ctx.tx, workspaceId)).map((s) => s.key).join(', ')
    const message = `must be a stage of this workspace: ${allowed}`
    const error = new UnknownStageError(`stage "${key}" ${message}`)
    throw withFieldErrors(error, [{ pointer: '/stage', message }])
  }
  const first = await getFirstOpenStage(ctx.tx, workspaceId)
  if (first === undefined) {
    const error = new NoOpenStageError()
    throw withFieldErrors(error, [{ pointer: '/stage', message: error.message }])
  }
  return first
}

/** Closing lost asks why; the check runs on the record as it will be. */
function assertLossReason (flags: { isClosed: boolean, isWon: boolean }, lossReason: unknown) {
  if (!flags.isClosed || flags.isWon) return
  if (typeof lossReason === 'string' && lossReason.trim() !== '') return
  const message = 'is required when the opportunity is closed as lost'
  const error = new LossReasonRequiredError(`lossReason ${message}`)
  throw withFieldErrors(error, [{ pointer: '/lossReason', message }])
}

/** What entering a stage does: its flags, its probability unless given, a close date. */
function enterStage (values: Record<string, unknown>, stage: StageRow, closeDate: unknown) {
  values.stage = stage.key
  values.isClosed = stage.isClosed
  values.isWon = stage.isWon
  values.probability ??= stage.probability
  if (stage.isClosed && closeDate == null) values.closeDate = today()
}

/**
 * While an opportunity has line items its amount is their sum and its
 * currency theirs: a write of `amount` is refused rather than ignored, and
 * so is a change of `currency`. The caller holds the opportunity's lock,
 * which every line item write takes first.
 */
async function assertNotFromLineItems (
  ctx: WriteContext,
  current: OpportunityRow,
  patch: Record<string, unknown>
) {
  const currencyChanges = patch.currency !== undefined && patch.currency !== current.currency
  if (patch.amount === undefined && !currencyChanges) return
  if (!(await hasLineItems(ctx.tx, ctx.tenant.workspaceId, current.id))) return
  if (patch.amount !== undefined) {
    const error = new AmountFromLineItemsError()
    throw withFieldErrors(error, [{ pointer: '/amount', message: error.message }])
  }
  const error = new CurrencyFromLineItemsError()
  throw withFieldErrors(error, [{ pointer: '/currency', message: error.message }])
}

export const opportunityResource: ResourceDefinition<OpportunityRow, Opportunity> = {
  name: 'opportunity',
  plural: 'opportunities',
  wording: { aName: 'an opportunity' },
  code: 'OPPORTUNITY',
  noun: 'Opportunity',
  nounPlural: 'Opportunities',
  tag: 'Opportunities',
  table: opportunities,
  schemas: opportunitySchemas,
  descriptions: {
    create: 'Creates an opportunity. `stage` defaults to the first open stage of the pipeline and ' +
      '`probability` to the stage\'s; `currency` defaults to the workspace currency and `ownerId` to the ' +
      'caller. In a closed stage an empty `closeDate` becomes today (UTC); a closed, lost stage needs a ' +
      '`lossReason` (422). An unknown stage answers 422 and lists the stages of the workspace. A ' +
      '`contactId` also becomes the primary contact role, with role `other`.',
    update: 'Merges the body into the record (RFC 7396): absent fields stay, `null` clears an optional field. ' +
      'A change of `stage` without a `probability` sets the new stage\'s probability; moving to a closed ' +
      'stage sets an empty `closeDate` to today (UTC). The record as it will be must have a `lossReason` ' +
      'when closed as lost (422). While the opportunity has line items, `amount` is their sum: a body ' +
      'with `amount` answers 422 `CRM_OPPORTUNITY_AMOUNT_FROM_LINE_ITEMS` (pointer `/amount`) and a ' +
      'change of `currency` 422 `CRM_OPPORTUNITY_CURRENCY_FROM_LINE_ITEMS`; once the last line item is ' +
      'removed, `amount` keeps its last sum and is writable again. A new `contactId` becomes the primary ' +
      'contact role (made with role `other` if the contact has none, the previous primary role kept as a ' +
      'plain one); `null` leaves no role primary. With If-Match, a stale ETag answers 412 and changes nothing.',
    delete: 'Deletes the opportunity with its line items and contact roles. An opportunity that a converted ' +
      'lead still refers to is not deleted: the answer is 409 and names it.'
  },
  sortable: {
    createdAt: { column: opportunities.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: opportunities.updatedAt, kind: 'timestamp', nullable: false },
    name: { column: opportunities.name, kind: 'text', nullable: false },
    amount: { column: opportunities.amount, kind: 'number', nullable: true },
    closeDate: { column: opportunities.closeDate, kind: 'date', nullable: true },
    probability: { column: opportunities.probability, kind: 'number', nullable: false }
  },
  filters: [
    { kind: 'text', name: 'stage', column: opportunities.stage },
    { kind: 'boolean', name: 'isClosed', column: opportunities.isClosed },
    { kind: 'boolean', name: 'isWon', column: opportunities.isWon },
    { kind: 'uuid', name: 'accountId', column: opportunities.accountId },
    { kind: 'uuid', name: 'contactId', column: opportunities.contactId },
    { kind: 'uuid', name: 'campaignId', column: opportunities.campaignId },
    { kind: 'uuid', name: 'leadId', column: opportunities.leadId },
    { kind: 'uuid', name: 'ownerId', column: opportunities.ownerId },
    { kind: 'enum', name: 'type', column: opportunities.type, values: OPPORTUNITY_TYPES },
    { kind: 'moneyRange', name: 'amount', column: opportunities.amount },
    { kind: 'integerRange', name: 'probability', column: opportunities.probability },
    { kind: 'dateRange', name: 'closeDate', column: opportunities.closeDate },
    { kind: 'timestampRange', name: 'createdAt', column: opportunities.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: opportunities.updatedAt }
  ],
  search: opportunitiesSearch(opportunities),
  searchDescription: 'words to find in name',
  references: [
    { field: 'accountId', target: accountTarget },
    { field: 'contactId', target: contactTarget },
    { field: 'campaignId', target: campaignTarget },
    { field: 'leadId', target: leadTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [
    { label: 'converted leads', table: () => leads, column: () => leads.convertedOpportunityId }
  ],
  toDto: (row) => recordToDto<Opportunity>(opportunitySchemas.record, row, {
    expectedRevenue: expectedRevenue(row.amount, row.probability)
  }),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    moneyFields(values, ['amount'])
    enterStage(values, await resolveStage(ctx, input.stage as string | undefined), values.closeDate)
    assertLossReason(values as { isClosed: boolean, isWon: boolean }, values.lossReason)
    if (values.currency === undefined) {
      values.currency = (await getWorkspace(ctx.tx, ctx.tenant.workspaceId))?.currency
    }
    values.ownerId ??= ctx.tenant.userId
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    moneyFields(values, ['amount'])
    if (typeof input.stage === 'string' && input.stage !== current.stage) {
      const closeDate = input.closeDate !== undefined ? input.closeDate : current.closeDate
      enterStage(values, await resolveStage(ctx, input.stage), closeDate)
    }
    const flags = {
      isClosed: (values.isClosed ?? current.isClosed) as boolean,
      isWon: (values.isWon ?? current.isWon) as boolean
    }
    assertLossReason(flags, input.lossReason !== undefined ? input.lossReason : current.lossReason)
    await assertNotFromLineItems(ctx, current, input)
    return values
  },
  async prepareDelete (ctx, current) {
    // Parts of the opportunity go with it, so that no live line item or
    // role points at a deleted opportunity (nor keeps its product or
    // contact from being deleted). The 409 check after this rolls them back.
    await removeLineItems(ctx, current.id)
    await removeContactRoles(ctx, current.id)
  }
}

/**
 * The live opportunity of the workspace, locked FOR UPDATE until the
 * transaction ends; 404 when absent. Every write of its line items and
 * contact roles takes this lock first.
 */
export async function lockOpportunity (ctx: WriteContext, id: string): Promise<OpportunityRow> {
  const row = await lockRecord(ctx.tx, opportunityResource, ctx.tenant.workspaceId, id)
  if (row === undefined) throw notFound(opportunityResource, id)
  return row
}

/** The live opportunity of the workspace; 404 when absent. */
export async function findOpportunity (
  db: Executor,
  workspaceId: string,
  id: string
): Promise<OpportunityRow> {
  const row = await getRecord(db, opportunityResource, workspaceId, id)
  if (row === undefined) throw notFound(opportunityResource, id)
  return row
}
