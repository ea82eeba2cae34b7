import { UnprocessableError, withFieldErrors } from '../../lib/errors.js'
import { pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accountTarget } from '../accounts/accounts.resource.js'
import { contacts } from '../contacts/contacts.table.js'
import { products } from '../products/products.table.js'
import { activeUser } from '../users/users.references.js'
import { nextCounter } from '../workspaces/workspaces.queries.js'
import {
  type Case,
  CASE_ORIGINS,
  CASE_PRIORITIES,
  CASE_STATUSES,
  CASE_TYPES,
  type CasePriority,
  type CaseStatus,
  caseSchemas,
  CLOSED_CASE_STATUSES
} from './cases.schemas.js'
import { cases, casesSearch } from './cases.table.js'

type CaseRow = typeof cases.$inferSelect & Row

const PLAIN = [
  'subject', 'description', 'status', 'priority', 'type', 'origin', 'accountId', 'contactId',
  'productId', 'ownerId', 'resolution'
] as const

const HOUR = 60 * 60 * 1000

interface ServiceLevel { firstResponse: number, resolution: number }

/**
 * Service levels per priority, in hours after the case was created: the
 * first response and the resolution.
 * TODO(#3): one table for every workspace; a workspace cannot set its own
 * service levels yet, so its due times may not match its contracts.
 */
export const CASE_SLA_HOURS: Readonly<Record<CasePriority, ServiceLevel>> = {
  urgent: { firstResponse: 1, resolution: 4 },
  high: { firstResponse: 4, resolution: 24 },
  normal: { firstResponse: 8, resolution: 72 },
  low: { firstResponse: 24, resolution: 120 }
}

const contactTarget = (): ReferenceTarget => ({ name: 'contact', table: contacts })
const productTarget = (): ReferenceTarget => ({ name: 'product', table: products })

export const isClosedStatus = (status: string) =>
  CLOSED_CASE_STATUSES.includes(status as CaseStatus)

function dueTimes (priority: CasePriority, createdAt: Date) {
  const sla = CASE_SLA_HOURS[priority]
  return {
    firstResponseDueAt: new Date(createdAt.getTime() + sla.firstResponse * HOUR),
    resolutionDueAt: new Date(createdAt.getTime() + sla.resolution * HOUR)
  }
}

/** A resolved case keeps a resolution; checked on the merged record. */
function assertResolution (status: string, resolution: string | null | undefined) {
  if (status !== 'resolved' || (resolution ?? '').trim() !== '') return
  const message = 'a resolved case needs a resolution'
  throw withFieldErrors(new UnprocessableError(message), [{ pointer: '/resolution', message }])
}

/**
 * The columns a move from `from` (undefined for a new case) to `to` sets.
 * closedAt keeps the time the case first entered the closed group, so a
 * resolved case that is then closed keeps it; reopening clears both times.
 */
function statusChange (from: string | undefined, to: string, now: Date): Record<string, unknown> {
  const wasClosed = from !== undefined && isClosedStatus(from)
  const closing = isClosedStatus(to)
  const values: Record<string, unknown> = { isClosed: closing }
  if (!closing) {
    if (wasClosed) Object.assign(values, { resolvedAt: null, closedAt: null })
    return values
  }
  if (to === 'resolved') values.resolvedAt = now
  if (!wasClosed) values.closedAt = now
  return values
}

function isOverdue (row: CaseRow, now: number) {
  if (row.isClosed) return false
  if (now > row.resolutionDueAt.getTime()) return true
  return row.firstResponseAt === null && now > row.firstResponseDueAt.getTime()
}

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
    create: 'Opens a case. The server assigns `number` (1, 2, 3 ... per workspace) and the due times ' +
      'of the priority (urgent 1 h / 4 h, high 4 h / 24 h, normal 8 h / 72 h, low 24 h / 120 h for the ' +
      'first response and the resolution); `ownerId` defaults to the caller.',
    update: 'Merges the body into the case (RFC 7396): absent fields stay, `null` clears an optional ' +
      'field. Any status may follow any other; `resolved` needs a `resolution` (422). Entering ' +
      '`resolved` sets `resolvedAt`, entering a closed status sets `closedAt`, and an open status ' +
      'after a closed one clears both. A new priority recomputes the due times from `createdAt`. ' +
      'With If-Match, a stale ETag answers 412 and changes nothing.',
    delete: 'Deletes the case. Nothing refers to a case, so the delete always succeeds.'
  },
  sortable: {
    createdAt: { column: cases.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: cases.updatedAt, kind: 'timestamp', nullable: false },
    number: { column: cases.number, kind: 'number', nullable: false },
    resolutionDueAt: { column: cases.resolutionDueAt, kind: 'timestamp', nullable: false }
  },
  filters: [
    { kind: 'enum', name: 'status', column: cases.status, values: CASE_STATUSES },
    { kind: 'enum', name: 'priority', column: cases.priority, values: CASE_PRIORITIES },
    { kind: 'enum', name: 'type', column: cases.type, values: CASE_TYPES },
    { kind: 'enum', name: 'origin', column: cases.origin, values: CASE_ORIGINS },
    { kind: 'boolean', name: 'isClosed', column: cases.isClosed },
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
  toDto: (row) =>
    recordToDto<Case>(caseSchemas.record, row, { isOverdue: isOverdue(row, Date.now()) }),
  async prepareCreate (ctx, body) {
    const values = pickFields(body as Record<string, unknown>, PLAIN)
    values.status ??= 'new'
    values.priority ??= 'normal'
    values.ownerId ??= ctx.tenant.userId
    assertResolution(values.status as string, values.resolution as string | undefined)

    values.number = await nextCounter(ctx.tx, ctx.tenant.workspaceId, 'case')
    // The creation time is fixed here so the due times derive from it exactly.
    const now = new Date()
    values.createdAt = now
    Object.assign(values, statusChange(undefined, values.status as string, now))
    Object.assign(values, dueTimes(values.priority as CasePriority, now))
    return values
  },
  async prepareUpdate (_ctx, current, patch) {
    const values = pickFields(patch as Record<string, unknown>, PLAIN)
    const status = (values.status ?? current.status) as string
    const resolution = values.resolution === undefined
      ? current.resolution
      : (values.resolution as string | null)
    assertResolution(status, resolution)

    if (status !== current.status) {
      Object.assign(values, statusChange(current.status, status, new Date()))
    }
    if (values.priority !== undefined && values.priority !== current.priority) {
      Object.assign(values, dueTimes(values.priority as CasePriority, current.createdAt))
    }
    return values
  }
}
