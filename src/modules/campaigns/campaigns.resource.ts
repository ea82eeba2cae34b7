import { UnprocessableError, withFieldErrors } from '../../lib/errors.js'
import type { WriteContext } from '../../lib/records/tenant.js'
import { assertNotOwnAncestor } from '../../lib/resource/hierarchy.js'
import { moneyFields, pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { leads } from '../leads/leads.table.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { activeUser } from '../users/users.references.js'
import { getWorkspace } from '../workspaces/workspaces.queries.js'
import {
  type Campaign,
  CAMPAIGN_STATUSES,
  CAMPAIGN_TYPES,
  campaignSchemas
} from './campaigns.schemas.js'
import { campaigns, campaignsSearch } from './campaigns.table.js'
import { campaignMembers } from './members/campaign-members.table.js'
import { assertKnownMergeFields } from './message/campaign-message.validation.js'

type CampaignRow = typeof campaigns.$inferSelect & Row

const PLAIN = [
  'name', 'type', 'status', 'startDate', 'endDate', 'budget', 'actualCost', 'expectedRevenue',
  'currency', 'parentCampaignId', 'ownerId', 'description', 'subject', 'fromName', 'fromEmail',
  'replyTo', 'htmlBody', 'textBody', 'sendRatePerSecond'
] as const
const MONEY = ['budget', 'actualCost', 'expectedRevenue'] as const

/** A live campaign of the caller's workspace (a lead's or opportunity's campaignId). */
export const campaignTarget = (): ReferenceTarget => ({ name: 'campaign', table: campaigns })

const TREE = { table: 'campaigns', parentColumn: 'parent_campaign_id', noun: 'campaign', pointer: '/parentCampaignId' }
const assertNoCycle = (ctx: WriteContext, id: string, parentId: string) =>
  assertNotOwnAncestor(ctx, TREE, id, parentId)

/** Calendar dates as YYYY-MM-DD compare correctly as strings. */
function assertDateOrder (startDate?: string | null, endDate?: string | null) {
  if (startDate == null || endDate == null || endDate >= startDate) return
  const message = `endDate ${endDate} is before startDate ${startDate}`
  throw withFieldErrors(new UnprocessableError(message), [{ pointer: '/endDate', message }])
}

export const campaignResource: ResourceDefinition<CampaignRow, Campaign> = {
  name: 'campaign',
  plural: 'campaigns',
  code: 'CAMPAIGN',
  noun: 'Campaign',
  nounPlural: 'Campaigns',
  tag: 'Campaigns',
  table: campaigns,
  schemas: campaignSchemas,
  descriptions: {
    create: 'Creates a campaign. `status` defaults to planned, `currency` to the workspace currency ' +
      'and `ownerId` to the caller; `endDate` may not be before `startDate` (422). A `{{...}}` in ' +
      '`subject`, `htmlBody` or `textBody` that is not a merge field answers 422 ' +
      '`CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN`, with one `errors` entry per field that holds one ' +
      '(the Campaign schema lists the merge fields).',
    update: 'Merges the body into the campaign (RFC 7396): absent fields stay, `null` clears an ' +
      'optional field. The dates are checked on the merged result, and `parentCampaignId` may not ' +
      'name the campaign itself or one of its descendants (422). A `{{...}}` that is not a merge ' +
      'field answers 422 `CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN`. The message may be changed while a ' +
      'send is paused or running: the worker reads it again for every batch. With If-Match, a ' +
      'stale ETag answers 412 and changes nothing.',
    delete: 'Deletes the campaign. A campaign that live leads, opportunities, child campaigns or members ' +
      'still refer to is not deleted: the answer is 409 and names them (remove the members first).'
  },
  sortable: {
    createdAt: { column: campaigns.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: campaigns.updatedAt, kind: 'timestamp', nullable: false },
    name: { column: campaigns.name, kind: 'text', nullable: false },
    startDate: { column: campaigns.startDate, kind: 'date', nullable: true },
    endDate: { column: campaigns.endDate, kind: 'date', nullable: true },
    budget: { column: campaigns.budget, kind: 'number', nullable: true }
  },
  filters: [
    { kind: 'enum', name: 'type', column: campaigns.type, values: CAMPAIGN_TYPES },
    { kind: 'enum', name: 'status', column: campaigns.status, values: CAMPAIGN_STATUSES },
    { kind: 'uuid', name: 'ownerId', column: campaigns.ownerId },
    { kind: 'uuid', name: 'parentCampaignId', column: campaigns.parentCampaignId },
    { kind: 'dateRange', name: 'startDate', column: campaigns.startDate },
    { kind: 'dateRange', name: 'endDate', column: campaigns.endDate },
    { kind: 'moneyRange', name: 'budget', column: campaigns.budget },
    { kind: 'timestampRange', name: 'createdAt', column: campaigns.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: campaigns.updatedAt }
  ],
  search: campaignsSearch(campaigns),
  searchDescription: 'words to find in name or description',
  references: [
    { field: 'parentCampaignId', target: campaignTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [
    { label: 'leads', table: () => leads, column: () => leads.campaignId },
    { label: 'opportunities', table: () => opportunities, column: () => opportunities.campaignId },
    { label: 'child campaigns', table: () => campaigns, column: () => campaigns.parentCampaignId },
    // Live members would point at a deleted campaign; remove them first.
    { label: 'members', table: () => campaignMembers, column: () => campaignMembers.campaignId }
  ],
  toDto: (row) => recordToDto<Campaign>(campaignSchemas.record, row),
  async prepareCreate (ctx, body) {
    const values = pickFields(body as Record<string, unknown>, PLAIN)
    moneyFields(values, MONEY)
    assertKnownMergeFields(values)
    assertDateOrder(values.startDate as string | undefined, values.endDate as string | undefined)
    values.status ??= 'planned'
    values.ownerId ??= ctx.tenant.userId
    values.currency ??= (await getWorkspace(ctx.tx, ctx.tenant.workspaceId))?.currency
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const values = pickFields(patch as Record<string, unknown>, PLAIN)
    moneyFields(values, MONEY)
    assertKnownMergeFields(values)
    const merged = { ...current, ...values }
    assertDateOrder(merged.startDate as string | null, merged.endDate as string | null)
    if (typeof values.parentCampaignId === 'string') {
      await assertNoCycle(ctx, current.id, values.parentCampaignId)
    }
    return values
  }
}
