import fc from 'fast-check'
import t from 'tap'
import {
  canMove,
  MEMBER_OUTCOMES,
  MEMBER_STATUSES,
  MEMBER_STEPS,
  type MemberStatus,
  STEP_TIMES
} from '../../../src/modules/campaigns/members/campaign-members.status.js'
import { addMember, createCampaign, type MemberJson } from '../../fixtures/campaigns.js'
import { createContact } from '../../fixtures/contacts.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The status rules as properties: first of the rule itself, then of the
// PATCH route against that rule, over random sequences of requested moves.

const status = fc.constantFrom(...MEMBER_STATUSES)
const rank = (s: MemberStatus) => (MEMBER_STEPS as readonly string[]).indexOf(s)
const isOutcome = (s: MemberStatus) => (MEMBER_OUTCOMES as readonly string[]).includes(s)

t.test('the ladder only goes up, and an outcome is final', async (t) => {
  fc.assert(fc.property(status, status, (from, to) => {
    const expected = from === to ||
      (!isOutcome(from) && (isOutcome(to) || rank(to) > rank(from)))
    return canMove(from, to) === expected
  }))
  fc.assert(fc.property(fc.array(status, { maxLength: 12 }), (moves) => {
    let at: MemberStatus = 'targeted'
    for (const to of moves) {
      if (!canMove(at, to) || to === at) continue
      if (isOutcome(at)) return false
      if (!isOutcome(to) && rank(to) < rank(at)) return false
      at = to
    }
    return true
  }))
  t.pass('properties hold')
})

t.test('PATCH follows the rule and times each status entered, once', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const campaign = await createCampaign(ws)

  await fc.assert(
    fc.asyncProperty(status, fc.array(status, { minLength: 1, maxLength: 6 }), async (start, moves) => {
      const person = { contactId: (await createContact(ws)).id }
      let member: MemberJson = await addMember(ws, campaign.id, person, { status: start })
      const timed = new Map<string, string>()
      if (start !== 'targeted') timed.set(STEP_TIMES[start], member[STEP_TIMES[start]] as string)
      for (const to of moves) {
        const res = await ws.request({
          method: 'PATCH',
          url: `/v1/campaigns/${campaign.id}/members/${member.id}`,
          payload: { status: to }
        })
        if (!canMove(member.status as MemberStatus, to)) {
          if (res.statusCode !== 409) throw new Error(`${member.status} → ${to}: ${res.body}`)
          continue
        }
        if (res.statusCode !== 200) throw new Error(`${member.status} → ${to}: ${res.body}`)
        const after = res.json() as MemberJson
        const changed = after.status !== member.status
        if (after.version !== member.version + (changed ? 1 : 0)) throw new Error('version')
        if (to !== 'targeted' && !timed.has(STEP_TIMES[to])) {
          timed.set(STEP_TIMES[to], after[STEP_TIMES[to]] as string)
        }
        member = after
      }
      for (const column of Object.values(STEP_TIMES)) {
        const expected = timed.get(column) ?? null
        if (member[column] !== expected) {
          throw new Error(`${column}: ${member[column]} ≠ ${expected}`)
        }
      }
      if (member.status !== 'targeted' && member[STEP_TIMES[member.status as 'sent']] === null) {
        throw new Error('the current status has no time')
      }
    }),
    { numRuns: 15, seed: 20261203 }
  )
  t.pass('PATCH matches the rule')
})
