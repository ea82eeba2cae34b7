import type { Database, Executor } from '../../../db/pool.js'
import { InvalidReferenceError, withFieldErrors } from '../../../lib/errors.js'
import { insertRecords, deleteRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { missingReferences } from '../../../lib/resource/resource.queries.js'
import { checkPrecondition } from '../../../lib/resource/resource.service.js'
import { contactResource, contactTarget } from '../../contacts/contacts.resource.js'
import { contacts } from '../../contacts/contacts.table.js'
import { leadResource, leadTarget } from '../../leads/leads.resource.js'
import { leads } from '../../leads/leads.table.js'
import { CampaignMemberExistsError, TooManyMembersError } from './campaign-members.errors.js'
import {
  findMembership,
  getMemberOrThrow,
  matchingPeople,
  optOutOf,
  shareCampaign
} from './campaign-members.queries.js'
import { withPeople } from './campaign-members.people.js'
import { type MemberRow, type MemberView, memberResource } from './campaign-members.resource.js'
import {
  type AddCampaignMemberBody,
  type AddCampaignMembersBody,
  type CampaignMembersAdded,
  MAX_MEMBERS_PER_REQUEST,
  type PeopleFilter
} from './campaign-members.schemas.js'
import type { MemberStatus } from './campaign-members.status.js'
import { campaignMembers } from './campaign-members.table.js'

/**
 * The writes of campaign members, each one transaction that holds the
 * campaign FOR SHARE (see shareCampaign) and writes through the record
 * writer. Uniqueness is the partial unique indexes' job: inserts skip a
 * person who is a live member already instead of racing a pre-check.
 */

type Person = { leadId: string } | { contactId: string }
type ErrorType = new (detail: string) => Error

/** A problem pointing at one field; `detail` defaults to the message. */
function fieldProblem (type: ErrorType, pointer: string, message: string, detail = message) {
  return withFieldErrors(new type(detail), [{ pointer, message }])
}

/** The person the body names; the schema lets through exactly one. */
const personOf = (body: AddCampaignMemberBody): Person =>
  'leadId' in body ? { leadId: body.leadId } : { contactId: body.contactId }

export async function addMember (
  db: Database,
  tenant: Tenant,
  campaignId: string,
  body: AddCampaignMemberBody
): Promise<MemberView> {
  const person = personOf(body)
  const workspaceId = tenant.workspaceId
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    await shareCampaign(tx, workspaceId, campaignId)
    await assertPersonExists(tx, workspaceId, person)
    const values = await memberResource.prepareCreate(ctx, { ...body, campaignId })
    const [row] = await insertRecords<MemberRow>(ctx, campaignMembers, [values], {
      onConflictDoNothing: true
    })
    if (row === undefined) {
      const existing = await findMembership(tx, workspaceId, campaignId, person)
      throw memberExists(person, existing?.id)
    }
    const [view] = await withPeople(tx, workspaceId, [row])
    return view as MemberView
  })
}

async function assertPersonExists (tx: Executor, workspaceId: string, person: Person) {
  const [field, target, id] = 'leadId' in person
    ? ['leadId', leadTarget(), person.leadId] as const
    : ['contactId', contactTarget(), person.contactId] as const
  const missing = await missingReferences(tx, target, workspaceId, [id])
  if (missing.size === 0) return
  const message = `no ${target.name} with id ${id}`
  throw fieldProblem(InvalidReferenceError, `/${field}`, message, `${field}: ${message}`)
}

function memberExists (person: Person, memberId: string | undefined) {
  const [field, noun, id] = 'leadId' in person
    ? ['leadId', 'lead', person.leadId]
    : ['contactId', 'contact', person.contactId]
  const message = memberId === undefined
    ? `${noun} ${id} is a member of this campaign already`
    : `${noun} ${id} is a member of this campaign already, as member ${memberId}`
  return fieldProblem(CampaignMemberExistsError, `/${field}`, message)
}

const distinct = (ids: string[]) => [...new Set(ids.map((id) => id.toLowerCase()))]

/**
 * The people a filter matches, refusing a filter that matches more than one
 * request may add: a silent cut would leave the caller thinking all were added.
 */
async function matchOrRefuse (
  tx: Executor,
  def: typeof leadResource | typeof contactResource,
  workspaceId: string,
  filter: PeopleFilter,
  pointer: string
): Promise<string[]> {
  const ids = await matchingPeople(tx, def, workspaceId, filter, MAX_MEMBERS_PER_REQUEST + 1)
  if (ids.length <= MAX_MEMBERS_PER_REQUEST) return ids
  const message = `matches more than ${MAX_MEMBERS_PER_REQUEST} ${def.plural}; narrow the ` +
    'filter and add the rest in further requests'
  throw fieldProblem(TooManyMembersError, pointer, message, `${pointer.slice(1)} ${message}`)
}

/**
 * Adds up to 1,000 people, named by id or matched by filters, in one
 * insert. Each person is counted once, however often named or matched.
 */
export async function addMembers (
  db: Database,
  tenant: Tenant,
  campaignId: string,
  body: AddCampaignMembersBody
): Promise<CampaignMembersAdded> {
  const workspaceId = tenant.workspaceId
  const named = { leads: distinct(body.leadIds ?? []), contacts: distinct(body.contactIds ?? []) }
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    await shareCampaign(tx, workspaceId, campaignId)
    const leadIds = distinct([
      ...named.leads,
      ...(body.leadFilter === undefined
        ? []
        : await matchOrRefuse(tx, leadResource, workspaceId, body.leadFilter, '/leadFilter'))
    ])
    const contactIds = distinct([
      ...named.contacts,
      ...(body.contactFilter === undefined
        ? []
        : await matchOrRefuse(
          tx, contactResource, workspaceId, body.contactFilter, '/contactFilter'
        ))
    ])
    const total = leadIds.length + contactIds.length
    if (total > MAX_MEMBERS_PER_REQUEST) {
      const message = `names or matches ${total} people, more than ${MAX_MEMBERS_PER_REQUEST}; ` +
        'split it into several requests'
      throw fieldProblem(TooManyMembersError, '', message, `the request ${message}`)
    }

    const leadOptOut = await optOutOf(tx, leads, workspaceId, leadIds)
    const contactOptOut = await optOutOf(tx, contacts, workspaceId, contactIds)
    // In id order, so that two bulk adds naming the same people wait for
    // each other on the unique index instead of deadlocking.
    const status = 'targeted'
    const rows = [
      ...[...leadOptOut.keys()].sort().map((leadId) => ({ campaignId, leadId, status })),
      ...[...contactOptOut.keys()].sort().map((contactId) => ({ campaignId, contactId, status }))
    ]
    const added = await insertRecords<MemberRow>(ctx, campaignMembers, rows, {
      onConflictDoNothing: true
    })
    const isOptedOut = (r: MemberRow) =>
      r.leadId === null ? contactOptOut.get(r.contactId as string) : leadOptOut.get(r.leadId)
    return {
      added: added.length,
      alreadyMembers: rows.length - added.length,
      notFound: distinct([
        ...named.leads.filter((id) => !leadOptOut.has(id)),
        ...named.contacts.filter((id) => !contactOptOut.has(id))
      ]),
      optedOut: added.filter(isOptedOut).length
    }
  })
}

export async function updateMember (
  db: Database,
  tenant: Tenant,
  ids: { campaignId: string, memberId: string },
  patch: { status?: MemberStatus },
  ifMatch: string | undefined
): Promise<MemberView> {
  const workspaceId = tenant.workspaceId
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    await shareCampaign(tx, workspaceId, ids.campaignId)
    const current = await getMemberOrThrow(tx, workspaceId, ids.campaignId, ids.memberId, true)
    checkPrecondition(ifMatch, current.version)
    const changes = await memberResource.prepareUpdate(ctx, current, patch)
    const row = await updateRecord<MemberRow>(ctx, campaignMembers, current, changes)
    const [view] = await withPeople(tx, workspaceId, [row])
    return view as MemberView
  })
}

/** Soft delete: the person may be added again later, as a new member. */
export async function removeMember (
  db: Database,
  tenant: Tenant,
  ids: { campaignId: string, memberId: string },
  ifMatch: string | undefined
): Promise<void> {
  const workspaceId = tenant.workspaceId
  await db.transaction(async (tx) => {
    await shareCampaign(tx, workspaceId, ids.campaignId)
    const current = await getMemberOrThrow(tx, workspaceId, ids.campaignId, ids.memberId, true)
    checkPrecondition(ifMatch, current.version)
    await deleteRecord({ tx, tenant }, campaignMembers, current)
  })
}
