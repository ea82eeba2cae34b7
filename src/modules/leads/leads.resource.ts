import {
  createAddresses,
  moneyFields,
  patchAddresses,
  pickFields
} from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { campaignTarget } from '../campaigns/campaigns.resource.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { activeUser } from '../users/users.references.js'
import { getWorkspace } from '../workspaces/workspaces.queries.js'
import { LeadConvertedError } from './leads.errors.js'
import {
  LEAD_RATINGS,
  LEAD_SOURCES,
  LEAD_STATUSES,
  type Lead,
  leadSchemas
} from './leads.schemas.js'
import { leads, leadsSearch } from './leads.table.js'

type LeadRow = typeof leads.$inferSelect & Row

// Score, conversion and their times are computed, so they are not here:
// the schemas refuse them and nothing copies them from a body.
const PLAIN = [
  'firstName', 'lastName', 'email', 'phone', 'company', 'title', 'website', 'industry',
  'numberOfEmployees', 'source', 'status', 'rating', 'estimatedAmount', 'currency', 'campaignId',
  'doNotCall', 'emailOptOut', 'ownerId', 'description'
] as const
const ADDRESSES = ['address'] as const

export const leadTarget = (): ReferenceTarget => ({ name: 'lead', table: leads })

export const leadResource: ResourceDefinition<LeadRow, Lead> = {
  name: 'lead',
  plural: 'leads',
  code: 'LEAD',
  noun: 'Lead',
  nounPlural: 'Leads',
  tag: 'Leads',
  table: leads,
  schemas: leadSchemas,
  descriptions: {
    create: 'Creates a lead, `open` unless `status` says otherwise. `currency` defaults to the ' +
      'workspace currency and `ownerId` to the caller. `converted` cannot be written: only ' +
      'conversion (POST /v1/leads/{leadId}/convert) sets it. `score` and the conversion ' +
      'fields are computed.',
    update: 'Merges the body into the lead (RFC 7396): absent fields stay, `null` clears an ' +
      'optional field. Any of open, contacted, qualified and unqualified may follow any ' +
      'other. A converted lead no longer changes: every patch of one answers 409 ' +
      '`CRM_LEAD_CONVERTED`. With If-Match, a stale ETag answers 412 and changes nothing.',
    delete: 'Deletes the lead. A converted lead no longer changes and is not deleted either: ' +
      'the answer is 409 `CRM_LEAD_CONVERTED`. A lead that live opportunities still refer to ' +
      'is not deleted: the answer is 409 and names them. With If-Match, a stale ETag answers ' +
      '412 and deletes nothing.'
  },
  sortable: {
    createdAt: { column: leads.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: leads.updatedAt, kind: 'timestamp', nullable: false },
    lastName: { column: leads.lastName, kind: 'text', nullable: false },
    company: { column: leads.company, kind: 'text', nullable: true },
    score: { column: leads.score, kind: 'number', nullable: true },
    estimatedAmount: { column: leads.estimatedAmount, kind: 'number', nullable: true }
  },
  filters: [
    { kind: 'enum', name: 'status', column: leads.status, values: LEAD_STATUSES },
    { kind: 'enum', name: 'source', column: leads.source, values: LEAD_SOURCES },
    { kind: 'enum', name: 'rating', column: leads.rating, values: LEAD_RATINGS },
    { kind: 'uuid', name: 'campaignId', column: leads.campaignId },
    { kind: 'uuid', name: 'ownerId', column: leads.ownerId },
    { kind: 'text', name: 'email', column: leads.email },
    { kind: 'text', name: 'company', column: leads.company },
    { kind: 'text', name: 'industry', column: leads.industry },
    { kind: 'integerRange', name: 'score', column: leads.score },
    { kind: 'moneyRange', name: 'estimatedAmount', column: leads.estimatedAmount },
    { kind: 'boolean', name: 'doNotCall', column: leads.doNotCall },
    { kind: 'boolean', name: 'emailOptOut', column: leads.emailOptOut },
    { kind: 'timestampRange', name: 'createdAt', column: leads.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: leads.updatedAt }
  ],
  search: leadsSearch(leads),
  searchDescription: 'words to find in first name, last name, email or company',
  references: [
    // Any live campaign: a finished one still brought its leads.
    { field: 'campaignId', target: campaignTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [
    { label: 'opportunities', table: () => opportunities, column: () => opportunities.leadId }
  ],
  toDto: (row) => recordToDto<Lead>(leadSchemas.record, row),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    createAddresses(values, input, ADDRESSES)
    moneyFields(values, ['estimatedAmount'])
    values.ownerId ??= ctx.tenant.userId
    values.currency ??= (await getWorkspace(ctx.tx, ctx.tenant.workspaceId))?.currency
    return values
  },
  async prepareUpdate (_ctx, current, patch) {
    if (current.status === 'converted') throw new LeadConvertedError(current.id)
    const input = patch as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    patchAddresses(values, current, input, ADDRESSES)
    moneyFields(values, ['estimatedAmount'])
    return values
  },
  // The converted lead is the record of the conversion: its links and time stay.
  async prepareDelete (_ctx, current) {
    if (current.status === 'converted') throw new LeadConvertedError(current.id)
  }
}
