import { withFieldErrors } from '../../../lib/errors.js'
import type { WriteContext } from '../../../lib/records/tenant.js'
import type { Row } from '../../../lib/resource/resource.js'
import type { accounts } from '../../accounts/accounts.table.js'
import { contactResource } from '../../contacts/contacts.resource.js'
import type { contacts } from '../../contacts/contacts.table.js'
import { ConversionContactMismatchError } from '../leads.errors.js'
import type { leads } from '../leads.table.js'
import { contactWithEmail } from './lead-conversion.matching.js'
import { createThrough, fillEmpty, lockNamed } from './lead-conversion.records.js'
import type { Duplicate, RecordOutcome } from './lead-conversion.schemas.js'

type ContactRow = typeof contacts.$inferSelect & Row
type AccountRow = typeof accounts.$inferSelect
type LeadRow = typeof leads.$inferSelect

export interface ContactChoice {
  row: ContactRow
  outcome: RecordOutcome<'caller' | 'email'>
}

/** What the lead knows of the person, by contact field. */
function fromLead (lead: LeadRow, account: AccountRow) {
  return {
    firstName: lead.firstName,
    email: lead.email,
    phone: lead.phone,
    title: lead.title,
    mailingAddress: lead.address,
    leadSource: lead.source,
    accountId: account.id
  }
}

const reused = (id: string, matchedBy: 'caller' | 'email', filledFields: string[]) =>
  ({ id, action: 'reused' as const, matchedBy, filledFields })

function mismatch (contact: ContactRow, account: AccountRow) {
  const message = `contact ${contact.id} works at account ${contact.accountId}, not at ` +
    `account ${account.id} that the conversion uses; name that account as accountId, ` +
    'or another contact'
  return withFieldErrors(
    new ConversionContactMismatchError(message),
    [{ pointer: '/contactId', message: 'must be a contact of the chosen account, or of none' }]
  )
}

/**
 * The contact of a conversion: the one the caller names (of the chosen
 * account, or of none, which then gets it), else the live contact with the
 * lead's email, else a new one made from the lead at the account. A reused
 * contact only has its empty fields filled. A contact with the lead's email
 * that is not the one used, or works at another account, is reported as a
 * duplicate.
 */
export async function chooseContact (
  ctx: WriteContext,
  lead: LeadRow,
  account: AccountRow,
  contactId: string | undefined,
  ownerId: string,
  duplicates: Duplicate[]
): Promise<ContactChoice> {
  const byEmail = lead.email === null ? undefined : await contactWithEmail(ctx, lead.email)
  const candidates = fromLead(lead, account)

  if (contactId !== undefined) {
    const named = await lockNamed(ctx, contactResource, 'contactId', contactId)
    if (named.accountId !== null && named.accountId !== account.id) throw mismatch(named, account)
    if (byEmail !== undefined && byEmail.id !== named.id) {
      duplicates.push({ resource: 'contact', id: byEmail.id, reason: 'same_email' })
      // The address is another contact's; emails are unique in a workspace.
      candidates.email = null
    }
    const { row, filled } = await fillEmpty(ctx, contactResource, named, candidates)
    return { row, outcome: reused(row.id, 'caller', filled) }
  }

  if (byEmail !== undefined) {
    if (byEmail.accountId !== null && byEmail.accountId !== account.id) {
      duplicates.push({ resource: 'contact', id: byEmail.id, reason: 'same_email' })
    }
    const { row, filled } = await fillEmpty(ctx, contactResource, byEmail as ContactRow, candidates)
    return { row, outcome: reused(row.id, 'email', filled) }
  }

  const row = await createThrough(ctx, contactResource, {
    ...candidates,
    lastName: lead.lastName,
    doNotCall: lead.doNotCall,
    emailOptOut: lead.emailOptOut,
    ownerId
  })
  return { row, outcome: { id: row.id, action: 'created', matchedBy: null, filledFields: [] } }
}
