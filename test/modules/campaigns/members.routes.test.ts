import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { campaignMembers } from '../../../src/modules/campaigns/members/campaign-members.table.js'
import { addMember, createCampaign, type MemberJson } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { createLead } from '../../fixtures/leads.js'
import { listIds, walkList } from '../../fixtures/lists.js'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The real app on the real Postgres and Redis; each test makes its own
// workspace. Members are added, listed, moved and removed through HTTP.

const NEVER_USED = '00000000-0000-4000-8000-000000000000'
const STEP_TIMES = [
  'sentAt', 'openedAt', 'clickedAt', 'respondedAt', 'bouncedAt', 'unsubscribedAt', 'failedAt'
]

const app = await buildTestApp(t)
const db = app.deps.db

type Caller = Pick<TestWorkspace, 'request'>

const membersUrl = (campaignId: string) => `/v1/campaigns/${campaignId}/members`

function post (ws: Caller, campaignId: string, payload: Record<string, unknown>) {
  return ws.request({ method: 'POST', url: membersUrl(campaignId), payload })
}

function patch (ws: Caller, member: MemberJson, payload: Record<string, unknown>, headers = {}) {
  return ws.request({
    method: 'PATCH', url: `${membersUrl(member.campaignId)}/${member.id}`, payload, headers
  })
}

/** Every row of the campaign, deleted ones too, straight from the table. */
const rowsOf = (campaignId: string) =>
  db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, campaignId))

t.test('adds a lead or a contact, showing the person and setting the step time', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws, { email: 'grace@globex.example', emailOptOut: true })
  const contact = await createContact(ws, { email: 'ada@example.com' })

  const res = await post(ws, campaign.id, { leadId: lead.id })
  t.equal(res.statusCode, 201, res.body)
  const member = res.json()
  t.equal(res.headers.location, `${membersUrl(campaign.id)}/${member.id}`)
  t.equal(res.headers.etag, '"1"')
  t.same(member, {
    id: member.id,
    campaignId: campaign.id,
    leadId: lead.id,
    contactId: null,
    status: 'targeted',
    ...Object.fromEntries(STEP_TIMES.map((f) => [f, null])),
    email: 'grace@globex.example',
    firstName: 'Grace',
    lastName: 'Hopper',
    emailOptOut: true,
    createdAt: member.createdAt,
    updatedAt: member.createdAt,
    version: 1
  })

  const sent = await post(ws, campaign.id, { contactId: contact.id, status: 'sent' })
  t.equal(sent.statusCode, 201, sent.body)
  const second = sent.json()
  t.match(second, {
    leadId: null, contactId: contact.id, status: 'sent', email: 'ada@example.com',
    firstName: 'Ada', lastName: 'Lovelace', emailOptOut: false
  })
  t.type(second.sentAt, 'string', 'entering sent sets sentAt')
  for (const f of STEP_TIMES.filter((f) => f !== 'sentAt')) {
    t.equal(second[f], null, `${f} stays empty`)
  }

  const read = await ws.request({ method: 'GET', url: res.headers.location as string })
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), member)
})

t.test('refuses a body naming neither or both people, or with unknown fields', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws)
  const contact = await createContact(ws)

  const cases: [Record<string, unknown>, string][] = [
    [{}, '/leadId'],
    [{ status: 'sent' }, '/leadId'],
    [{ leadId: lead.id, contactId: contact.id }, '/contactId'],
    [{ leadId: 'not-a-uuid' }, '/leadId'],
    [{ leadId: lead.id, status: 'delivered' }, '/status'],
    [{ leadId: lead.id, campaignId: campaign.id }, '/campaignId'],
    [{ leadId: lead.id, sentAt: '2027-01-01T00:00:00.000Z' }, '/sentAt'],
    [{ leadId: lead.id, id: NEVER_USED }, '/id']
  ]
  for (const [payload, pointer] of cases) {
    const res = await post(ws, campaign.id, payload)
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.equal(res.json().errors[0].pointer, pointer, JSON.stringify(payload))
  }
  t.same(await rowsOf(campaign.id), [], 'nothing written')
})

t.test('refuses unknown, deleted and foreign people with 422', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const foreignLead = await createLead(other)
  const foreignContact = await createContact(other)
  const gone = await createLead(ws)
  await ws.request({ method: 'DELETE', url: `/v1/leads/${gone.id}` })
  const contact = await createContact(ws)

  const refs: [string, string][] = [
    ['leadId', NEVER_USED],
    ['leadId', foreignLead.id],
    ['leadId', gone.id],
    ['leadId', contact.id],
    ['contactId', NEVER_USED],
    ['contactId', foreignContact.id]
  ]
  for (const [field, id] of refs) {
    const res = await post(ws, campaign.id, { [field]: id })
    assertProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
    t.same(res.json().errors, [
      { pointer: `/${field}`, message: `no ${field.slice(0, -2)} with id ${id}` }
    ])
  }
  t.same(await rowsOf(campaign.id), [], 'nothing written')
})

t.test('keeps a person a member once, and lets a removed one come back', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const other = await createCampaign(ws, { name: 'Other' })
  const lead = await createLead(ws)
  const contact = await createContact(ws)
  const first = await addMember(ws, campaign.id, { leadId: lead.id })
  const byContact = await addMember(ws, campaign.id, { contactId: contact.id })

  const pairs = [[{ leadId: lead.id }, first], [{ contactId: contact.id }, byContact]] as const
  for (const [person, existing] of pairs) {
    const again = await post(ws, campaign.id, { ...person, status: 'sent' })
    const problem = assertProblem(t, again, 409, 'CRM_CAMPAIGN_MEMBER_EXISTS')
    t.match(problem.detail, `as member ${existing.id}`, 'names the existing member')
    t.equal(problem.errors[0].pointer, `/${Object.keys(person)[0]}`)
  }
  const elsewhere = await addMember(ws, other.id, { leadId: lead.id })
  t.equal(elsewhere.leadId, lead.id, 'another campaign is fine')

  const url = `${membersUrl(campaign.id)}/${first.id}`
  const removed = await ws.request({ method: 'DELETE', url })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')
  const missing = 'CRM_CAMPAIGN_MEMBER_NOT_FOUND'
  assertProblem(t, await ws.request({ method: 'GET', url }), 404, missing)
  assertProblem(t, await ws.request({ method: 'DELETE', url }), 404, missing)
  t.same(await listIds(ws, membersUrl(campaign.id)), [byContact.id])

  const back = await addMember(ws, campaign.id, { leadId: lead.id })
  t.not(back.id, first.id, 'a new member')
  t.equal(back.status, 'targeted')
  const rows = await db.select().from(campaignMembers).where(and(
    eq(campaignMembers.campaignId, campaign.id), eq(campaignMembers.leadId, lead.id)
  ))
  t.equal(rows.length, 2, 'the removed member stays in the table')
  t.equal(rows.filter((r) => r.deletedAt === null).length, 1)

  const again = await post(ws, campaign.id, { leadId: lead.id })
  t.match(assertProblem(t, again, 409, 'CRM_CAMPAIGN_MEMBER_EXISTS').detail, back.id)
})

t.test('lets exactly one of many concurrent adds of a person win', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const contact = await createContact(ws)

  const answers = await Promise.all(
    Array.from({ length: 6 }, () => post(ws, campaign.id, { contactId: contact.id }))
  )
  const statuses = answers.map((r) => r.statusCode).sort()
  t.same(statuses, [201, 409, 409, 409, 409, 409], answers.map((r) => r.body).join('\n'))
  const winner = answers.find((r) => r.statusCode === 201)?.json()
  for (const res of answers.filter((r) => r.statusCode === 409)) {
    t.equal(res.json().code, 'CRM_CAMPAIGN_MEMBER_EXISTS')
    t.match(res.json().detail, winner.id)
  }
  t.equal((await rowsOf(campaign.id)).length, 1)
})

t.test('replays an add with the same Idempotency-Key', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws)
  const send = (payload: Record<string, unknown>) => ws.request({
    method: 'POST', url: membersUrl(campaign.id), payload, headers: { 'idempotency-key': 'add-1' }
  })

  const first = await send({ leadId: lead.id })
  t.equal(first.statusCode, 201, first.body)
  const replay = await send({ leadId: lead.id })
  t.equal(replay.statusCode, 201, 'the first answer, not a 409')
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal(replay.headers.location, first.headers.location)
  const reused = await send({ leadId: lead.id, status: 'sent' })
  assertProblem(t, reused, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
  t.equal((await rowsOf(campaign.id)).length, 1)
})

t.test('lists members with paging, sorts and every filter', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const elsewhere = await createCampaign(ws, { name: 'Elsewhere' })
  const leadA = await createLead(ws, {
    firstName: 'Grace', lastName: 'Hopper', email: 'grace@globex.example'
  })
  const leadB = await createLead(ws, {
    firstName: 'Alan', lastName: 'Turing', company: 'Initech', emailOptOut: true
  })
  const contactA = await createContact(ws, { firstName: 'Ada', lastName: 'Lovelace' })
  const contactB = await createContact(ws, {
    firstName: 'Edsger', lastName: 'Dijkstra', emailOptOut: true
  })
  const contactC = await createContact(ws, { firstName: 'Barbara', lastName: 'Liskov' })

  const m = {
    leadA: await addMember(ws, campaign.id, { leadId: leadA.id }, { status: 'opened' }),
    leadB: await addMember(ws, campaign.id, { leadId: leadB.id }),
    contactA: await addMember(ws, campaign.id, { contactId: contactA.id }, { status: 'sent' }),
    contactB: await addMember(ws, campaign.id, { contactId: contactB.id }, { status: 'bounced' }),
    contactC: await addMember(ws, campaign.id, { contactId: contactC.id }, { status: 'sent' })
  }
  await addMember(ws, elsewhere.id, { leadId: leadA.id })
  const ids = (...names: (keyof typeof m)[]) => names.map((n) => m[n].id)
  const newestFirst = ids('contactC', 'contactB', 'contactA', 'leadB', 'leadA')

  const walked = await walkList(ws, membersUrl(campaign.id), 2, { t, each: ['status', 'size'] })
  t.equal(walked.pages, 3)
  t.same(walked.ids, newestFirst, 'each member once, newest first, none of another campaign')
  t.same(walked.items.find((i) => i.id === m.leadA.id), m.leadA, 'items carry the person')

  const query = (q: string) => listIds(ws, `${membersUrl(campaign.id)}?${q}`)
  t.same(await query('sort=createdAt'), [...newestFirst].reverse())
  const ascending = ids('contactB', 'leadA', 'contactA', 'contactC', 'leadB')
  t.same(await query('sort=status,createdAt'), ascending, 'status sorts alphabetically')
  const byStatus = await walkList(ws, `${membersUrl(campaign.id)}?sort=-status,-createdAt`, 2)
  t.same(byStatus.ids, [...ascending].reverse(), 'pages keep the sort')

  const expectations: [string, string[]][] = [
    ['status=sent', ids('contactC', 'contactA')],
    ['status=opened,bounced', ids('contactB', 'leadA')],
    ['kind=lead', ids('leadB', 'leadA')],
    ['kind=contact', ids('contactC', 'contactB', 'contactA')],
    [`leadId=${leadA.id}`, ids('leadA')],
    [`contactId=${contactA.id},${contactC.id}`, ids('contactC', 'contactA')],
    ['optedOut=true', ids('contactB', 'leadB')],
    ['optedOut=false', ids('contactC', 'contactA', 'leadA')],
    ['optedOut=false&kind=contact&status=sent', ids('contactC', 'contactA')],
    ['q=grace', ids('leadA')],
    ['q=globex', ids('leadA')],
    ['q=initech', ids('leadB')],
    ['q=LOVE', ids('contactA')],
    ['q=ada turing', []],
    [
      `createdAtFrom=${m.contactA.createdAt}&createdAtTo=${m.contactB.createdAt}`,
      ids('contactB', 'contactA')
    ]
  ]
  for (const [q, expected] of expectations) t.same(await query(q), expected, q)

  const bads = [
    'sort=email', 'kind=account', 'status=delivered', 'optedOut=maybe', 'limit=201', 'campaignId=x'
  ]
  for (const bad of bads) {
    const res = await ws.request({ method: 'GET', url: `${membersUrl(campaign.id)}?${bad}` })
    assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
  }
  const first = await ws.request({ method: 'GET', url: `${membersUrl(campaign.id)}?limit=1` })
  const cursor = first.json().nextCursor
  const otherSort = await ws.request({
    method: 'GET', url: `${membersUrl(campaign.id)}?limit=1&sort=status&cursor=${cursor}`
  })
  assertProblem(t, otherSort, 400, 'CRM_BAD_REQUEST')
})

t.test('leaves a member linked to a deleted person, shown as opted out', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const contact = await createContact(ws, { email: 'gone@example.com' })
  const member = await addMember(ws, campaign.id, { contactId: contact.id })

  const deleted = await ws.request({ method: 'DELETE', url: `/v1/contacts/${contact.id}` })
  t.equal(deleted.statusCode, 204, 'membership does not block deleting the person')
  const read = await ws.request({ method: 'GET', url: `${membersUrl(campaign.id)}/${member.id}` })
  t.equal(read.statusCode, 200)
  t.same(read.json(), {
    ...member, email: null, firstName: null, lastName: null, emailOptOut: true
  }, 'still linked; the deleted person\'s data is not shown')
  t.same(await listIds(ws, `${membersUrl(campaign.id)}?optedOut=true`), [member.id])
  t.same(await listIds(ws, `${membersUrl(campaign.id)}?q=gone`), [], 'nor searched')
})

t.test('moves a member up the ladder and to an outcome, never back', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  let member = await addMember(ws, campaign.id, { leadId: (await createLead(ws)).id })

  const opened = await patch(ws, member, { status: 'opened' }, { 'if-match': '"1"' })
  t.equal(opened.statusCode, 200, opened.body)
  t.equal(opened.headers.etag, '"2"')
  member = opened.json()
  t.match(member, { status: 'opened', sentAt: null, clickedAt: null, version: 2 })
  t.type(member.openedAt, 'string', 'steps may be skipped; only the entered one is timed')

  const same = await patch(ws, member, { status: 'opened' })
  t.same(same.json(), member, 'the same status changes nothing')
  t.same((await patch(ws, member, {})).json(), member, 'an empty patch changes nothing')

  for (const lower of ['targeted', 'sent']) {
    const res = await patch(ws, member, { status: lower })
    const problem = assertProblem(t, res, 409, 'CRM_CAMPAIGN_MEMBER_STATUS_NOT_ALLOWED')
    const message = `a member cannot move from opened to ${lower}`
    t.same(problem.errors, [{ pointer: '/status', message }])
  }
  const stale = await patch(ws, member, { status: 'clicked' }, { 'if-match': '"1"' })
  assertProblem(t, stale, 412, 'CRM_PRECONDITION_FAILED')

  member = (await patch(ws, member, { status: 'responded' })).json()
  t.type(member.respondedAt, 'string')
  t.equal(member.clickedAt, null)
  member = (await patch(ws, member, { status: 'unsubscribed' })).json()
  t.match(member, { status: 'unsubscribed', version: 4 })
  t.type(member.unsubscribedAt, 'string')
  for (const next of ['responded', 'bounced', 'failed', 'targeted']) {
    const res = await patch(ws, member, { status: next })
    assertProblem(t, res, 409, 'CRM_CAMPAIGN_MEMBER_STATUS_NOT_ALLOWED')
  }

  const invalid = [
    { status: 'delivered' }, { sentAt: '2027-01-01T00:00:00.000Z' }, { leadId: NEVER_USED }
  ]
  for (const body of invalid) {
    assertProblem(t, await patch(ws, member, body), 400, 'CRM_VALIDATION_ERROR')
  }
  const read = await ws.request({ method: 'GET', url: `${membersUrl(campaign.id)}/${member.id}` })
  t.same(read.json(), member, 'refused moves changed nothing')
})

t.test('hides members from other workspaces and other campaigns', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const sibling = await createCampaign(ws, { name: 'Sibling' })
  const lead = await createLead(ws)
  const member = await addMember(ws, campaign.id, { leadId: lead.id })
  const foreignCampaign = await createCampaign(other)
  const foreignLead = await createLead(other)
  const foreignMember = await addMember(other, foreignCampaign.id, { leadId: foreignLead.id })

  const notCampaign = 'CRM_CAMPAIGN_NOT_FOUND'
  const notMember = 'CRM_CAMPAIGN_MEMBER_NOT_FOUND'
  const inSibling = `${membersUrl(sibling.id)}/${member.id}`
  const base = membersUrl(campaign.id)
  const probes: [Caller, string, string, Record<string, unknown> | undefined, string][] = [
    [other, 'GET', base, undefined, notCampaign],
    [other, 'POST', base, { leadId: foreignLead.id }, notCampaign],
    [other, 'POST', `${base}/bulk`, { leadIds: [foreignLead.id] }, notCampaign],
    [other, 'GET', `${base}/${member.id}`, undefined, notCampaign],
    [other, 'PATCH', `${base}/${member.id}`, { status: 'sent' }, notCampaign],
    [other, 'DELETE', `${base}/${member.id}`, undefined, notCampaign],
    [other, 'GET', `/v1/campaigns/${campaign.id}/stats`, undefined, notCampaign],
    [ws, 'POST', membersUrl(foreignCampaign.id), { leadId: lead.id }, notCampaign],
    [ws, 'GET', `${membersUrl(foreignCampaign.id)}/${foreignMember.id}`, undefined, notCampaign],
    [ws, 'GET', `${base}/${foreignMember.id}`, undefined, notMember],
    [ws, 'PATCH', `${base}/${foreignMember.id}`, { status: 'sent' }, notMember],
    [ws, 'GET', inSibling, undefined, notMember],
    [ws, 'PATCH', inSibling, { status: 'sent' }, notMember],
    [ws, 'DELETE', inSibling, undefined, notMember],
    [ws, 'GET', `${base}/${NEVER_USED}`, undefined, notMember],
    [ws, 'GET', membersUrl(NEVER_USED), undefined, notCampaign]
  ]
  for (const [caller, method, url, payload, code] of probes) {
    const body = payload === undefined ? {} : { payload }
    const res = await caller.request({ method: method as 'GET', url, ...body })
    assertProblem(t, res, 404, code)
  }
  const malformed = await ws.request({ method: 'GET', url: `${base}/not-a-uuid` })
  assertProblem(t, malformed, 400, 'CRM_VALIDATION_ERROR')

  const mine = await ws.request({ method: 'GET', url: `${base}/${member.id}` })
  t.same(mine.json(), member, 'untouched')
  const theirs = await other.request({
    method: 'GET', url: `${membersUrl(foreignCampaign.id)}/${foreignMember.id}`
  })
  t.same(theirs.json(), foreignMember, 'untouched')
  t.same(await listIds(ws, base), [member.id])
})

t.test('keeps a campaign with members from being deleted, and 404s a deleted one', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const member = await addMember(ws, campaign.id, { contactId: (await createContact(ws)).id })

  const blocked = await ws.request({ method: 'DELETE', url: `/v1/campaigns/${campaign.id}` })
  t.match(assertProblem(t, blocked, 409, 'CRM_CONFLICT').detail, '1 members')
  await ws.request({ method: 'DELETE', url: `${membersUrl(campaign.id)}/${member.id}` })
  const removed = await ws.request({ method: 'DELETE', url: `/v1/campaigns/${campaign.id}` })
  t.equal(removed.statusCode, 204, removed.body)

  const lead = await createLead(ws)
  assertProblem(t, await post(ws, campaign.id, { leadId: lead.id }), 404, 'CRM_CAMPAIGN_NOT_FOUND')
  const list = await ws.request({ method: 'GET', url: membersUrl(campaign.id) })
  assertProblem(t, list, 404, 'CRM_CAMPAIGN_NOT_FOUND')
  const read = await ws.request({ method: 'GET', url: `${membersUrl(campaign.id)}/${member.id}` })
  assertProblem(t, read, 404, 'CRM_CAMPAIGN_NOT_FOUND')
})

t.test('lets admins, managers and marketing write members; other roles only read', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws)
  const member = await addMember(ws, campaign.id, { leadId: lead.id })
  const url = `${membersUrl(campaign.id)}/${member.id}`

  for (const role of ['manager', 'marketing']) {
    const user = await createUser(app, ws, role)
    const contact = await createContact(ws)
    const added = await post(user, campaign.id, { contactId: contact.id })
    t.equal(added.statusCode, 201, `${role} adds`)
    t.equal((await patch(user, added.json(), { status: 'sent' })).statusCode, 200, `${role} moves`)
    const bulk = await user.request({
      method: 'POST', url: `${membersUrl(campaign.id)}/bulk`, payload: { leadIds: [lead.id] }
    })
    t.equal(bulk.statusCode, 200, `${role} bulk adds`)
    const removed = await user.request({
      method: 'DELETE', url: `${membersUrl(campaign.id)}/${added.json().id}`
    })
    t.equal(removed.statusCode, 204, `${role} removes`)
  }

  for (const role of ['sales', 'support', 'readonly']) {
    const user = await createUser(app, ws, role)
    t.equal((await user.request({ method: 'GET', url })).statusCode, 200, `${role} reads`)
    t.equal((await user.request({ method: 'GET', url: membersUrl(campaign.id) })).statusCode, 200)
    const contact = await createContact(ws)
    const added = await post(user, campaign.id, { contactId: contact.id })
    assertProblem(t, added, 403, 'CRM_FORBIDDEN')
    const bulk = await user.request({
      method: 'POST', url: `${membersUrl(campaign.id)}/bulk`, payload: { contactIds: [contact.id] }
    })
    assertProblem(t, bulk, 403, 'CRM_FORBIDDEN')
    assertProblem(t, await patch(user, member, { status: 'sent' }), 403, 'CRM_FORBIDDEN')
    assertProblem(t, await user.request({ method: 'DELETE', url }), 403, 'CRM_FORBIDDEN')
  }
  const read = await ws.request({ method: 'GET', url })
  t.same(read.json(), member, 'untouched')
  t.equal((await rowsOf(campaign.id)).filter((r) => r.deletedAt === null).length, 1)
})

t.test('an unsubscribed member opts the person out of every campaign', async (t) => {
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)
  const lead = await createLead(ws, { email: 'leaving@example.com' })
  const contact = await createContact(ws, { lastName: 'Gone', email: `gone-${lead.id}@example.com` })
  for (const [person, url] of [
    [{ leadId: lead.id }, `/v1/leads/${lead.id}`],
    [{ contactId: contact.id }, `/v1/contacts/${contact.id}`]
  ] as const) {
    const member = await addMember(ws, campaign.id, person, { status: 'sent' })
    const res = await ws.request({
      method: 'PATCH', url: `${membersUrl(campaign.id)}/${member.id}`, payload: { status: 'unsubscribed' }
    })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().emailOptOut, true, 'the member shows the opt-out')
    t.equal((await ws.request({ method: 'GET', url })).json().emailOptOut, true, `${url} is opted out`)
  }
})
