import type { FastifyInstance } from 'fastify'
import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../../helper.js'
import { createContact } from '../../fixtures/contacts.js'
import { walkList } from '../../fixtures/lists.js'
import { addContactRole, createOpportunity } from '../../fixtures/opportunities.js'
import { assertFullProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../fixtures/workspaces.js'

// Real Postgres and Redis, through the API only.

type Caller = Pick<TestWorkspace, 'request'>
type Headers = Record<string, string>
interface Role { id: string, contactId: string, role: string, isPrimary: boolean, version: number }

const rolesUrl = (opportunityId: string) => `/v1/opportunities/${opportunityId}/contacts`
const get = (who: Caller, url: string) => who.request({ method: 'GET', url })
const post = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'POST', url, payload, headers })
const patch = (who: Caller, url: string, payload: Record<string, unknown>, headers: Headers = {}) =>
  who.request({ method: 'PATCH', url, payload, headers })
const del = (who: Caller, url: string, headers: Headers = {}) =>
  who.request({ method: 'DELETE', url, headers })
const pointers = (body: { errors: { pointer: string }[] }) => body.errors.map((e) => e.pointer)

async function rolesOf (who: Caller, opportunityId: string): Promise<Role[]> {
  const { items } = await walkList(who, `${rolesUrl(opportunityId)}?sort=createdAt`, 200)
  return items as unknown as Role[]
}

/**
 * The invariant both directions keep: at most one primary role, and the
 * opportunity's contactId is its contact, or null when none is primary.
 */
async function mirrored (who: Caller, opportunityId: string) {
  const roles = await rolesOf(who, opportunityId)
  const primaries = roles.filter((r) => r.isPrimary)
  const o = (await get(who, `/v1/opportunities/${opportunityId}`)).json()
  return {
    primaries: primaries.length <= 1,
    contactId: o.contactId === (primaries[0]?.contactId ?? null)
  }
}
const MIRRORED = { primaries: true, contactId: true }

async function setup (app: FastifyInstance) {
  const ws = await createWorkspace(app)
  const opportunity = await createOpportunity(ws)
  const [a, b, c] = await Promise.all([createContact(ws), createContact(ws), createContact(ws)])
  if (a === undefined || b === undefined || c === undefined) throw new Error('contacts')
  return { ws, opportunity, a, b, c, url: rolesUrl(opportunity.id) }
}

t.test('opportunity contact roles', async (t) => {
  const app = await buildTestApp(t)

  t.test('adds, reads, lists, changes and removes a role', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    let res = await post(ws, url, { contactId: a.id, role: 'evaluator' })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    const role = res.json()
    t.equal(res.headers.location, `${url}/${role.id}`)
    t.equal(res.headers.etag, '"1"')
    t.same(role, {
      id: role.id,
      opportunityId: opportunity.id,
      contactId: a.id,
      role: 'evaluator',
      isPrimary: false,
      createdAt: role.createdAt,
      updatedAt: role.createdAt,
      version: 1
    })
    const read = await get(ws, `${url}/${role.id}`)
    t.equal(read.headers.etag, '"1"')
    t.same(read.json(), role)
    t.same((await get(ws, url)).json(), { data: [role], nextCursor: null })
    t.same((await get(ws, `/v1/opportunities/${opportunity.id}`)).json(), opportunity,
      'a plain role leaves the opportunity alone')

    res = await patch(ws, `${url}/${role.id}`, { role: 'economic_buyer' }, { 'if-match': '"1"' })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { role: 'economic_buyer', isPrimary: false, version: 2 })
    res = await patch(ws, `${url}/${role.id}`, { role: 'user' }, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')
    res = await del(ws, `${url}/${role.id}`, { 'if-match': '"1"' })
    assertFullProblem(t, res, 412, 'CRM_PRECONDITION_FAILED')

    res = await del(ws, `${url}/${role.id}`)
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    const code = 'CRM_CONTACT_ROLE_NOT_FOUND'
    assertFullProblem(t, await get(ws, `${url}/${role.id}`), 404, code)
    assertFullProblem(t, await patch(ws, `${url}/${role.id}`, { role: 'user' }), 404, code)
    assertFullProblem(t, await del(ws, `${url}/${role.id}`), 404, code)
    t.same((await get(ws, url)).json().data, [])
  })

  t.test('one role per contact and opportunity', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    const first = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'influencer' })
    const res = await post(ws, url, { contactId: a.id, role: 'user', isPrimary: true })
    const body = assertFullProblem(t, res, 409, 'CRM_OPPORTUNITY_CONTACT_EXISTS')
    t.same(pointers(body), ['/contactId'])
    t.same(await rolesOf(ws, opportunity.id), [first], 'nothing changed')
    t.equal((await get(ws, `/v1/opportunities/${opportunity.id}`)).json().contactId, null)

    const other = await createOpportunity(ws)
    t.equal((await post(ws, rolesUrl(other.id), { contactId: a.id, role: 'user' })).statusCode, 201,
      'the same contact on another opportunity is fine')
    await del(ws, `${url}/${first.id}`)
    t.equal((await post(ws, url, { contactId: a.id, role: 'user' })).statusCode, 201,
      'once removed, the contact may be added again')
  })

  t.test('the primary role and contactId move together', async (t) => {
    const { ws, opportunity, a, b, c, url } = await setup(app)
    const oppUrl = `/v1/opportunities/${opportunity.id}`
    const contactIdOf = async () => (await get(ws, oppUrl)).json().contactId

    const ra = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'decision_maker', isPrimary: true })
    t.equal(ra.isPrimary, true)
    t.equal(await contactIdOf(), a.id)
    t.same(await mirrored(ws, opportunity.id), MIRRORED)

    const rb = await addContactRole(ws, opportunity.id, { contactId: b.id, role: 'technical_buyer', isPrimary: true })
    t.equal(await contactIdOf(), b.id)
    const roles = await rolesOf(ws, opportunity.id)
    t.same(roles.map((r) => [r.contactId, r.role, r.isPrimary]), [
      [a.id, 'decision_maker', false], [b.id, 'technical_buyer', true]
    ])
    t.same(roles.map((r) => r.version), [2, 1], 'the previous primary was changed once')

    const rc = await addContactRole(ws, opportunity.id, { contactId: c.id, role: 'user', isPrimary: false })
    t.equal(await contactIdOf(), b.id, 'a plain role leaves contactId')

    let res = await patch(ws, `${url}/${ra.id}`, { isPrimary: true })
    t.equal(res.statusCode, 200, res.body)
    t.match(res.json(), { isPrimary: true, role: 'decision_maker' })
    t.equal(await contactIdOf(), a.id)
    t.same(await mirrored(ws, opportunity.id), MIRRORED)
    t.same((await get(ws, `${url}?isPrimary=true`)).json().data.map((r: Role) => r.id), [ra.id])

    res = await patch(ws, `${url}/${ra.id}`, { isPrimary: true, role: 'economic_buyer' })
    t.match(res.json(), { isPrimary: true, role: 'economic_buyer' }, 'primary again is fine')

    res = await patch(ws, `${url}/${ra.id}`, { isPrimary: false })
    t.equal(res.json().isPrimary, false)
    t.equal(await contactIdOf(), null, 'no primary role, no contactId')
    t.same((await get(ws, `${url}?isPrimary=true`)).json().data, [])

    await patch(ws, `${url}/${rc.id}`, { isPrimary: true })
    t.equal(await contactIdOf(), c.id)
    res = await del(ws, `${url}/${rc.id}`)
    t.equal(res.statusCode, 204)
    t.equal(await contactIdOf(), null, 'removing the primary role clears contactId')
    res = await del(ws, `${url}/${rb.id}`)
    t.equal(await contactIdOf(), null)
    t.same(await mirrored(ws, opportunity.id), MIRRORED)
    t.same((await rolesOf(ws, opportunity.id)).map((r) => r.id), [ra.id])
  })

  t.test('a contactId written on the opportunity makes or moves the primary role', async (t) => {
    const { ws, a, b, c } = await setup(app)
    const created = await createOpportunity(ws, { contactId: a.id })
    const url = rolesUrl(created.id)
    const oppUrl = `/v1/opportunities/${created.id}`
    t.equal(created.contactId, a.id)
    let roles = await rolesOf(ws, created.id)
    t.match(roles, [{ contactId: a.id, role: 'other', isPrimary: true, version: 1 }], 'made with role other')
    t.equal((await get(ws, oppUrl)).json().version, 1, 'the opportunity was written once')

    const rb = await addContactRole(ws, created.id, { contactId: b.id, role: 'influencer' })
    let res = await patch(ws, oppUrl, { contactId: b.id })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().contactId, b.id)
    t.equal(res.json().version, 2, 'one write of the opportunity, no echo')
    roles = await rolesOf(ws, created.id)
    t.same(roles.map((r) => [r.contactId, r.role, r.isPrimary]), [
      [a.id, 'other', false], [b.id, 'influencer', true]
    ], 'the existing role of the contact became primary, keeping its role')
    t.equal(roles[1]?.id, rb.id)

    res = await patch(ws, oppUrl, { contactId: c.id })
    roles = await rolesOf(ws, created.id)
    t.same(roles.map((r) => [r.contactId, r.role, r.isPrimary]), [
      [a.id, 'other', false], [b.id, 'influencer', false], [c.id, 'other', true]
    ])
    res = await patch(ws, oppUrl, { contactId: c.id, name: 'Renamed' })
    t.equal((await rolesOf(ws, created.id)).filter((r) => r.contactId === c.id)[0]?.version, 1,
      'the same contactId again changes no role')

    res = await patch(ws, oppUrl, { contactId: null })
    t.equal(res.json().contactId, null)
    roles = await rolesOf(ws, created.id)
    t.equal(roles.length, 3, 'the roles stay')
    t.same(roles.filter((r) => r.isPrimary), [], 'none is primary')
    t.same(await mirrored(ws, created.id), MIRRORED)

    res = await post(ws, url, { contactId: a.id, role: 'user' })
    assertFullProblem(t, res, 409, 'CRM_OPPORTUNITY_CONTACT_EXISTS')

    const plain = await createOpportunity(ws)
    t.same(await rolesOf(ws, plain.id), [], 'no contactId, no role')
  })

  t.test('random sequences of writes keep the invariant', async (t) => {
    const { ws, a, b, c } = await setup(app)
    const contacts = [a.id, b.id, c.id]
    const step = fc.oneof(
      fc.record({ kind: fc.constant('add'), who: fc.nat(2), isPrimary: fc.option(fc.boolean(), { nil: undefined }) }),
      fc.record({ kind: fc.constant('primary'), who: fc.nat(2), isPrimary: fc.boolean() }),
      fc.record({ kind: fc.constant('remove'), who: fc.nat(2) }),
      fc.record({ kind: fc.constant('contactId'), who: fc.option(fc.nat(2), { nil: null }) })
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const o = await createOpportunity(ws)
        const url = rolesUrl(o.id)
        for (const s of steps) {
          const roleOf = async (contactId: string) =>
            (await rolesOf(ws, o.id)).find((r) => r.contactId === contactId)
          if (s.kind === 'add') {
            const contactId = contacts[s.who] as string
            const exists = await roleOf(contactId)
            const res = await post(ws, url, { contactId, role: 'user', isPrimary: s.isPrimary })
            if (res.statusCode !== (exists === undefined ? 201 : 409)) throw new Error(res.body)
          } else if (s.kind === 'contactId') {
            const contactId = s.who === null ? null : contacts[s.who]
            const res = await patch(ws, `/v1/opportunities/${o.id}`, { contactId })
            if (res.statusCode !== 200) throw new Error(res.body)
          } else {
            const role = await roleOf(contacts[s.who] as string)
            if (role === undefined) continue
            const res = s.kind === 'remove'
              ? await del(ws, `${url}/${role.id}`)
              : await patch(ws, `${url}/${role.id}`, { isPrimary: s.isPrimary })
            if (res.statusCode >= 300) throw new Error(res.body)
          }
          const state = await mirrored(ws, o.id)
          if (!state.primaries || !state.contactId) throw new Error(`after ${JSON.stringify(s)}: ${JSON.stringify(state)}`)
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 15), seed: Number(process.env.FUZZ_SEED ?? 20261203) }
    )
    t.pass('held')
  })

  t.test('the contact must be a live contact of the workspace', async (t) => {
    const { ws, opportunity, url } = await setup(app)
    const other = await createWorkspace(app)
    const foreign = await createContact(other)
    const gone = await createContact(ws)
    t.equal((await del(ws, `/v1/contacts/${gone.id}`)).statusCode, 204)
    const messages = []
    for (const id of ['00000000-0000-4000-8000-000000000000', foreign.id, gone.id]) {
      const res = await post(ws, url, { contactId: id, role: 'user', isPrimary: true })
      const body = assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
      t.same(pointers(body), ['/contactId'])
      messages.push(body.errors[0].message.replace(id, '<id>'))
    }
    t.equal(new Set(messages).size, 1, 'a foreign contact fails like an unknown one')
    t.same((await get(ws, url)).json().data, [], 'nothing written')
    t.same((await get(ws, `/v1/opportunities/${opportunity.id}`)).json(), opportunity)
  })

  t.test('bodies are validated', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    const role = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'user' })
    const bad: [Record<string, unknown>, string][] = [
      [{ contactId: a.id, role: 'champion' }, '/role'],
      [{ contactId: a.id }, '/role'],
      [{ role: 'user' }, '/contactId'],
      [{ contactId: 'x', role: 'user' }, '/contactId'],
      [{ contactId: a.id, role: 'user', isPrimary: 'yes' }, '/isPrimary'],
      [{ contactId: a.id, role: 'user', id: a.id }, '/id']
    ]
    for (const [payload, pointer] of bad) {
      const res = await post(ws, url, payload)
      t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), [pointer], JSON.stringify(payload))
    }
    for (const [payload, pointer] of [
      [{ contactId: a.id }, '/contactId'], [{ role: null }, '/role'], [{ isPrimary: null }, '/isPrimary'],
      [{ opportunityId: opportunity.id }, '/opportunityId'], [{ version: 3 }, '/version']
    ] as [Record<string, unknown>, string][]) {
      const res = await patch(ws, `${url}/${role.id}`, payload)
      t.same(pointers(assertFullProblem(t, res, 400, 'CRM_VALIDATION_ERROR')), [pointer], JSON.stringify(payload))
    }
    t.same((await get(ws, `${url}/${role.id}`)).json(), role)
  })

  t.test('lists: filters, sort, q and every page once', async (t) => {
    const { ws, opportunity, url } = await setup(app)
    const people = [
      { firstName: 'Grace', lastName: 'Hopper', role: 'decision_maker' },
      { firstName: 'Ada', lastName: 'Lovelace', role: 'user' },
      { firstName: 'Alan', lastName: 'Turing', role: 'evaluator' },
      { firstName: 'Edsger', lastName: 'Dijkstra', role: 'user' }
    ]
    const made = []
    for (const [i, p] of people.entries()) {
      const contact = await createContact(ws, { firstName: p.firstName, lastName: p.lastName })
      made.push(await addContactRole(ws, opportunity.id, { contactId: contact.id, role: p.role, isPrimary: i === 2 }))
    }
    const { ids, pages } = await walkList(ws, url, 3, { t, each: ['status', 'size'] })
    t.equal(pages, 2)
    t.same(ids, made.map((r) => r.id).reverse())
    const idsOf = async (query: string) =>
      (await get(ws, `${url}?${query}`)).json().data.map((r: Role) => r.id)
    t.same(await idsOf('role=user&sort=createdAt'), [made[1]?.id, made[3]?.id])
    t.same(await idsOf('role=evaluator,decision_maker&sort=createdAt'), [made[0]?.id, made[2]?.id])
    t.same(await idsOf('isPrimary=true'), [made[2]?.id])
    t.same(await idsOf(`contactId=${made[0]?.contactId}`), [made[0]?.id])
    t.same(await idsOf('q=lovelace'), [made[1]?.id], 'q matches the contact\'s name')
    t.same(await idsOf('q=umbrella'), [])
    t.same(await idsOf('sort=role'), [made[0]?.id, made[2]?.id, ...[made[1]?.id, made[3]?.id].sort()])
    for (const bad of ['role=champion', 'sort=contactId', 'colour=red', 'isPrimary=maybe']) {
      assertFullProblem(t, await get(ws, `${url}?${bad}`), 400, 'CRM_VALIDATION_ERROR')
    }
  })

  t.test('Idempotency-Key replays an add', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    const headers = { 'idempotency-key': 'role-once' }
    const first = await post(ws, url, { contactId: a.id, role: 'user', isPrimary: true }, headers)
    t.equal(first.statusCode, 201)
    const retry = await post(ws, url, { contactId: a.id, role: 'user', isPrimary: true }, headers)
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.body, first.body)
    t.equal((await rolesOf(ws, opportunity.id)).length, 1)
  })

  t.test('a role is found only under its own opportunity; a deleted one takes its roles', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    const role = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'user', isPrimary: true })
    const sibling = await createOpportunity(ws)
    const wrong = `${rolesUrl(sibling.id)}/${role.id}`
    assertFullProblem(t, await get(ws, wrong), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')
    assertFullProblem(t, await patch(ws, wrong, { role: 'other' }), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')
    assertFullProblem(t, await del(ws, wrong), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')

    t.equal((await del(ws, `/v1/opportunities/${opportunity.id}`)).statusCode, 204)
    const code = 'CRM_OPPORTUNITY_NOT_FOUND'
    assertFullProblem(t, await get(ws, url), 404, code)
    assertFullProblem(t, await post(ws, url, { contactId: a.id, role: 'user' }), 404, code)
    assertFullProblem(t, await get(ws, `${url}/${role.id}`), 404, code)
    assertFullProblem(t, await patch(ws, `${url}/${role.id}`, { role: 'other' }), 404, code)
    assertFullProblem(t, await del(ws, `${url}/${role.id}`), 404, code)
    const res = await del(ws, `/v1/contacts/${a.id}`)
    t.equal(res.statusCode, 204, 'no live role keeps the contact')
  })

  t.test('another workspace never sees or touches the roles', async (t) => {
    const { ws, opportunity, a, url } = await setup(app)
    const other = await createWorkspace(app)
    const role = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'user', isPrimary: true })
    const theirContact = await createContact(other)
    const code = 'CRM_OPPORTUNITY_NOT_FOUND'
    assertFullProblem(t, await get(other, url), 404, code)
    assertFullProblem(t, await post(other, url, { contactId: theirContact.id, role: 'user' }), 404, code)
    assertFullProblem(t, await get(other, `${url}/${role.id}`), 404, code)
    assertFullProblem(t, await patch(other, `${url}/${role.id}`, { isPrimary: false }), 404, code)
    assertFullProblem(t, await del(other, `${url}/${role.id}`), 404, code)

    const theirs = await createOpportunity(other)
    const probe = `${rolesUrl(theirs.id)}/${role.id}`
    assertFullProblem(t, await get(other, probe), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')
    assertFullProblem(t, await patch(other, probe, { isPrimary: false }), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')
    assertFullProblem(t, await del(other, probe), 404, 'CRM_CONTACT_ROLE_NOT_FOUND')
    const res = await post(other, rolesUrl(theirs.id), { contactId: a.id, role: 'user', isPrimary: true })
    assertFullProblem(t, res, 422, 'CRM_INVALID_REFERENCE')
    t.same((await get(other, rolesUrl(theirs.id))).json().data, [], 'nothing written there')
    t.equal((await get(other, `/v1/opportunities/${theirs.id}`)).json().contactId, null)

    t.same((await get(ws, `${url}/${role.id}`)).json(), role, 'untouched')
    t.equal((await get(ws, `/v1/opportunities/${opportunity.id}`)).json().contactId, a.id)
  })

  t.test('roles: sales writes; readonly, marketing and support only read', async (t) => {
    const { ws, opportunity, a, b, url } = await setup(app)
    const role = await addContactRole(ws, opportunity.id, { contactId: a.id, role: 'user' })
    const sales = await createUser(app, ws, 'sales')
    let res = await post(sales, url, { contactId: b.id, role: 'user', isPrimary: true })
    t.equal(res.statusCode, 201, res.body)
    res = await patch(sales, `${url}/${res.json().id}`, { role: 'influencer' })
    t.equal(res.statusCode, 200, res.body)
    const before = await rolesOf(ws, opportunity.id)
    for (const who of ['readonly', 'marketing', 'support']) {
      const user = await createUser(app, ws, who)
      t.equal((await get(user, url)).statusCode, 200, who)
      t.equal((await get(user, `${url}/${role.id}`)).statusCode, 200, who)
      assertFullProblem(t, await post(user, url, { contactId: a.id, role: 'user' }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await patch(user, `${url}/${role.id}`, { isPrimary: true }), 403, 'CRM_FORBIDDEN')
      assertFullProblem(t, await del(user, `${url}/${role.id}`), 403, 'CRM_FORBIDDEN')
    }
    t.same(await rolesOf(ws, opportunity.id), before)
  })
})
