import { eq } from 'drizzle-orm'
import { pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accountTarget } from '../accounts/accounts.resource.js'
import { contacts } from '../contacts/contacts.table.js'
import { products } from '../products/products.table.js'
import { activeUser } from '../users/users.references.js'
import { nextCounter } from '../workspaces/workspaces.queries.js'
import { deleteCaseComments } from './comments/case-comments.queries.js'
import { isOverdueAt, overdueFilter } from './cases.overdue.js'
import {
  type Case,
  CASE_ORIGINS,
  CASE_PRIORITIES,
  CASE_STATUSES,
  CASE_TYPES,
  type CasePriority,
  type CaseStatus,
  caseSchemas
} from './cases.schemas.js'
import { cases, casesSearch } from './cases.table.js'
import {
  assertOpeningStatus,
  assertResolution,
  assertTransition,
  statusChange
} from './cases.workflow.js'
import { dueTimes, getServiceLevel } from './sla/case-sla.queries.js'

export type CaseRow = typeof cases.$inferSelect & Row

const PLAIN = [
  'subject', 'description', 'status', 'priority', 'type', 'origin', 'accountId', 'contactId',
  'productId', 'ownerId', 'resolution'
] as const

const contactTarget = (): ReferenceTarget => ({ name: 'contact', table: contacts })
const productTarget = (): ReferenceTarget => ({ name: 'product', table: products })

/** The record as the API shows it, with isOverdue as of `now` (the answer's instant). */
export function caseToDto (row: CaseRow, now = new Date()): Case {
  return recordToDto<Case>(caseSchemas.record, row, { isOverdue: isOverdueAt(row, now) })
}

const workflow =
  'Statuses new, assigned, in_progress, pending_customer and escalated are open; resolved, ' +
  'closed, rejected and duplicate are closed. From an open status any status may follow; from ' +
  '`resolved` only `closed` or an open status; from `closed`, `rejected` or `duplicate` only an ' +
  'open status. Any other move answers 409 (CRM_CASE_TRANSITION_NOT_ALLOWED) naming from, to ' +
  'and the statuses allowed, and changes nothing; setting the current status again is no move. ' +
  '`resolved` needs a non-blank `resolution`, sent or already stored, and a resolved case ' +
  'cannot clear it (422, CRM_CASE_RESOLUTION_REQUIRED). Entering `resolved` sets `resolvedAt`; ' +
  'entering the closed statuses sets `closedAt` (resolved then closed keeps the first time); ' +
  'entering `escalated` sets `escalatedAt` to that time (the latest escalation). Reopening, an ' +
  'open status after a closed one, clears `resolvedAt` and `closedAt`, sets `reopenedAt` and ' +
  'adds one to `reopenCount`; the resolution stays as a note.'

const sla =
  'The due times are `createdAt` plus the first-response and resolution minutes of the ' +
  'priority in the workspace\'s service levels (GET /v1/case-sla-policies; by default urgent ' +
  '60 / 240, high 240 / 1440, normal 480 / 4320, low 1440 / 7200 minutes), as they stand ' +
  'when the case is opened. A later change of the service levels does not move them.'

export const caseResource: ResourceDefinition<CaseRow, Case> = {
  name: 'case',
  plural: 'cases',
  code: 'CASE',
  noun: 'Case',
  nounPlural: 'Cases',
  tag: 'Cases',
  table: cases,
  schemas: caseSchemas,
  descriptions: {
    create: 'Opens a case. The server assigns `number` (1, 2, 3 ... per workspace); ' +
      '`status` defaults to new, `priority` to normal and `ownerId` to the caller. A case opens ' +
      'in an open status (new, assigned, in_progress, pending_customer or escalated); a closed ' +
      'status answers 422 (CRM_CASE_INITIAL_STATUS_CLOSED): open it, then resolve or close it, ' +
      'so that every closed case went through the workflow. Opening in escalated sets ' +
      `\`escalatedAt\`. ${sla}`,
    update: 'Merges the body into the case (RFC 7396): absent fields stay, `null` clears an ' +
      `optional field. ${workflow} A new priority recomputes both due times from \`createdAt\` ` +
      'with the service level of the new priority as it stands now; other changes keep them. ' +
      'With If-Match, a stale ETag answers 412 and changes nothing.',
    delete: 'Deletes the case and its comments. Nothing else refers to a case, so the delete ' +
      'always succeeds.',
    list: 'A page of cases, newest first unless `sort` says otherwise. Filters combine with AND; ' +
      'a comma list inside one filter means any of the values. `isOpen=true` keeps the open ' +
      'statuses, `isOpen=false` the closed ones. `isOverdue=true` keeps the cases that are open ' +
      'and past `resolutionDueAt`, or without a first response and past `firstResponseDueAt`; ' +
      'it is evaluated at one instant per request, the same one that computes each record\'s ' +
      '`isOverdue`, so the filter and the field always agree.'
  },
  sortable: {
    createdAt: { column: cases.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: cases.updatedAt, kind: 'timestamp', nullable: false },
    number: { column: cases.number, kind: 'number', nullable: false },
    firstResponseDueAt: { column: cases.firstResponseDueAt, kind: 'timestamp', nullable: false },
    resolutionDueAt: { column: cases.resolutionDueAt, kind: 'timestamp', nullable: false }
  },
  filters: [
    { kind: 'enum', name: 'status', column: cases.status, values: CASE_STATUSES },
    { kind: 'enum', name: 'priority', column: cases.priority, values: CASE_PRIORITIES },
    { kind: 'enum', name: 'type', column: cases.type, values: CASE_TYPES },
    { kind: 'enum', name: 'origin', column: cases.origin, values: CASE_ORIGINS },
    { kind: 'boolean', name: 'isClosed', column: cases.isClosed },
    {
      kind: 'condition',
      name: 'isOpen',
      description: 'true: new, assigned, in_progress, pending_customer or escalated; ' +
        'false: resolved, closed, rejected or duplicate',
      when: (value) => eq(cases.isClosed, !value)
    },
    {
      kind: 'condition',
      name: 'isOverdue',
      description: 'true: open and past resolutionDueAt, or without a first response and past ' +
        'firstResponseDueAt; false: every other case',
      when: (value) => overdueFilter(value, new Date())
    },
    { kind: 'uuid', name: 'accountId', column: cases.accountId },
    { kind: 'uuid', name: 'contactId', column: cases.contactId },
    { kind: 'uuid', name: 'productId', column: cases.productId },
    { kind: 'uuid', name: 'ownerId', column: cases.ownerId },
    { kind: 'timestampRange', name: 'createdAt', column: cases.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: cases.updatedAt }
  ],
  search: casesSearch(cases),
  searchDescription: 'words to find in subject or description',
  references: [
    { field: 'accountId', target: accountTarget },
    { field: 'contactId', target: contactTarget },
    { field: 'productId', target: productTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [],
  toDto: (row) => caseToDto(row),
  async prepareCreate (ctx, body) {
    const values = pickFields(body as Record<string, unknown>, PLAIN)
    values.status ??= 'new'
    values.priority ??= 'normal'
    values.ownerId ??= ctx.tenant.userId
    const status = values.status as CaseStatus
    assertOpeningStatus(status)
    assertResolution(status, values.resolution as string | undefined)

    const priority = values.priority as CasePriority
    const level = await getServiceLevel(ctx.tx, ctx.tenant.workspaceId, priority)
    values.number = await nextCounter(ctx.tx, ctx.tenant.workspaceId, 'case')
    // The creation time is fixed here so the due times derive from it exactly.
    const now = new Date()
    values.createdAt = now
    Object.assign(values, statusChange(undefined, status, now))
    Object.assign(values, dueTimes(level, now))
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const values = pickFields(patch as Record<string, unknown>, PLAIN)
    const from = current.status as CaseStatus
    const status = (values.status ?? from) as CaseStatus
    assertTransition(from, status)
    const resolution = values.resolution === undefined
      ? current.resolution
      : (values.resolution as string | null)
    assertResolution(status, resolution)

    if (status !== from) {
      const state = { status: from, reopenCount: current.reopenCount }
      Object.assign(values, statusChange(state, status, new Date()))
    }
    const priority = values.priority as CasePriority | undefined
    if (priority !== undefined && priority !== current.priority) {
      const level = await getServiceLevel(ctx.tx, ctx.tenant.workspaceId, priority)
      Object.assign(values, dueTimes(level, current.createdAt))
    }
    return values
  },
  async prepareDelete (ctx, current) {
    await deleteCaseComments(ctx, current.id)
  }
}
