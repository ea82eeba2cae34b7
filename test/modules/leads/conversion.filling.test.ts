import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import fc from 'fast-check'
import t from 'tap'
import { insertRecord, onRecordChange } from '../../../src/lib/records/record-writer.js'
import { scoped } from '../../../src/lib/records/tenant.js'
import { opportunityContactRoles } from '../../../src/modules/opportunities/contact-roles/contact-roles.table.js'
import { opportunities } from '../../../src/modules/opportunities/opportunities.table.js'
import { createContact } from '../../fixtures/contacts.js'
import { convertLead, createLead } from '../../fixtures/leads.js'
import { createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// The combinatorial rules of conversion as properties, against the real app
// and database: whatever a reused record already holds stays, exactly its
// empty fields are filled; and the primary contact role comes out the same
// whether or not a writer of opportunities adds the contact on its own.

const app = await buildTestApp(t)
const db = app.deps.db

const ACCOUNT_FIELDS = {
  website: ['https://www.globex.example', 'https://preset.example'],
  industry: ['Software', 'Preset industry'],
  phone: ['+1 555 0142', '+1 555 9999'],
  numberOfEmployees: [450, 7],
  billingAddress: [{ city: 'San Francisco', country: 'US' }, { city: 'Preset', country: 'DE' }]
} as const
const CONTACT_FIELDS = {
  firstName: ['Grace', 'Preset'],
  phone: ['+1 555 0142', '+1 555 9999'],
  title: ['Head of Engineering', 'Preset title'],
  mailingAddress: [{ city: 'San Francisco', country: 'US' }, { city: 'Preset', country: 'DE' }],
  leadSource: ['web', 'referral']
} as const

const full = (a: { city: string, country: string }) =>
  ({ street: null, city: a.city, region: null, postalCode: null, country: a.country })
const shown = (field: string, value: unknown) =>
  field.endsWith('ddress') ? full(value as { city: string, country: string }) : value

const subset = <K extends string>(keys: readonly K[]) => fc.subarray([...keys])

t.test('fills exactly the empty fields of a reused account and contact', async (t) => {
  const ws = await createWorkspace(app)
  const accountKeys = Object.keys(ACCOUNT_FIELDS) as (keyof typeof ACCOUNT_FIELDS)[]
  const contactKeys = Object.keys(CONTACT_FIELDS) as (keyof typeof CONTACT_FIELDS)[]

  await fc.assert(fc.asyncProperty(
    subset(accountKeys), subset(contactKeys),
    async (presetAccount, presetContact) => {
      const tag = randomUUID()
      const company = `Company ${tag}`
      const email = `person-${tag}@gmail.com`
      const account = await ws.request({
        method: 'POST',
        url: '/v1/accounts',
        payload: {
          name: company,
          ...Object.fromEntries(presetAccount.map((k) => [k, ACCOUNT_FIELDS[k][1]]))
        }
      })
      const contact = await createContact(ws, {
        lastName: 'Preset',
        email,
        firstName: null,
        ...Object.fromEntries(presetContact.map((k) => [k, CONTACT_FIELDS[k][1]]))
      })
      const lead = await createLead(ws, {
        company,
        email,
        website: `https://${tag}.example`,
        industry: ACCOUNT_FIELDS.industry[0],
        phone: ACCOUNT_FIELDS.phone[0],
        numberOfEmployees: ACCOUNT_FIELDS.numberOfEmployees[0],
        address: ACCOUNT_FIELDS.billingAddress[0],
        title: CONTACT_FIELDS.title[0],
        source: CONTACT_FIELDS.leadSource[0]
      })

      const res = await convertLead(ws, lead.id, { createOpportunity: false })
      if (res.statusCode !== 200) throw new Error(res.body)
      const body = res.json()
      const accountUrl = `/v1/accounts/${account.json().id}`
      const after = (await ws.request({ method: 'GET', url: accountUrl })).json()
      const person = (await ws.request({ method: 'GET', url: `/v1/contacts/${contact.id}` })).json()

      const emptyAccount = accountKeys.filter((k) => !presetAccount.includes(k))
      const emptyContact = [...contactKeys.filter((k) => !presetContact.includes(k)), 'accountId']
      const leadValue: Record<string, unknown> = {
        website: `https://${tag}.example`,
        firstName: 'Grace'
      }
      const expected = (preset: readonly string[], fields: Record<string, readonly unknown[]>) =>
        (k: string) => preset.includes(k)
          ? shown(k, fields[k]?.[1])
          : leadValue[k] ?? shown(k, fields[k]?.[0])
      const accountWants = expected(presetAccount, ACCOUNT_FIELDS)
      const contactWants = expected(presetContact, CONTACT_FIELDS)
      const seen = {
        matchedBy: [body.account.matchedBy, body.contact.matchedBy],
        filled: [body.account.filledFields, body.contact.filledFields],
        account: Object.fromEntries(accountKeys.map((k) => [k, after[k]])),
        contact: Object.fromEntries(contactKeys.map((k) => [k, person[k]])),
        kept: [person.lastName, person.email, person.accountId === after.id]
      }
      const wanted = {
        matchedBy: ['name', 'email'],
        filled: [emptyAccount, emptyContact],
        account: Object.fromEntries(accountKeys.map((k) => [k, accountWants(k)])),
        contact: Object.fromEntries(contactKeys.map((k) => [k, contactWants(k)])),
        kept: ['Preset', email, true]
      }
      if (JSON.stringify(seen) !== JSON.stringify(wanted)) {
        throw new Error(`${JSON.stringify(seen)}\n!= ${JSON.stringify(wanted)}`)
      }
    }
  ), { numRuns: 12, seed: 20261203 })
  t.pass('the property held')
})

t.test('makes the contact primary, with or without another writer adding it', async (t) => {
  const ws = await createWorkspace(app)
  const roles = async (opportunityId: string) => db
    .select({ role: opportunityContactRoles.role, isPrimary: opportunityContactRoles.isPrimary })
    .from(opportunityContactRoles)
    .where(and(
      eq(opportunityContactRoles.workspaceId, ws.workspaceId),
      eq(opportunityContactRoles.opportunityId, opportunityId)
    ))

  const before = await createLead(ws, { company: 'Before', email: null })
  const plain = (await convertLead(ws, before.id, { contactRole: 'evaluator' })).json()
  t.same(await roles(plain.opportunity.id), [{ role: 'evaluator', isPrimary: true }])

  // What the opportunities module does (or will do) on its own: a new
  // opportunity's contact becomes its primary contact, role `other`.
  onRecordChange(opportunities, async (ctx, change) => {
    const after = change.after as { id: string, contactId: string | null } | undefined
    if (change.before !== undefined || after?.contactId == null) return
    const t = opportunityContactRoles
    const existing = await ctx.tx.select({ id: t.id }).from(t).where(scoped(
      t, ctx.tenant.workspaceId, eq(t.opportunityId, after.id), eq(t.contactId, after.contactId)
    ))
    if (existing.length > 0) return
    await insertRecord(ctx, t, {
      opportunityId: after.id, contactId: after.contactId, role: 'other', isPrimary: true
    })
  })
  const withListener = await createLead(ws, { company: 'After', email: null })
  const listened = (await convertLead(ws, withListener.id, { contactRole: 'technical_buyer' })).json()
  t.same(await roles(listened.opportunity.id), [{ role: 'technical_buyer', isPrimary: true }])
  const defaulted = await createLead(ws, { company: 'Default', email: null })
  const byDefault = (await convertLead(ws, defaulted.id)).json()
  t.same(await roles(byDefault.opportunity.id), [{ role: 'decision_maker', isPrimary: true }])
})
