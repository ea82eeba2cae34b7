import type { WriteContext } from '../../../lib/records/tenant.js'
import type { Row } from '../../../lib/resource/resource.js'
import { accountResource } from '../../accounts/accounts.resource.js'
import type { accounts } from '../../accounts/accounts.table.js'
import type { leads } from '../leads.table.js'
import { matchAccounts } from './lead-conversion.matching.js'
import { createThrough, fillEmpty, lockNamed } from './lead-conversion.records.js'
import type { Duplicate, RecordOutcome } from './lead-conversion.schemas.js'

type AccountRow = typeof accounts.$inferSelect & Row
type LeadRow = typeof leads.$inferSelect

export interface AccountChoice {
  row: AccountRow
  outcome: RecordOutcome<'caller' | 'domain' | 'name'>
}

/** Keeps a derived text within the length the record schema allows (code points). */
export function clip (text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : chars.slice(0, max).join('')
}

/** The lead's company, or the person when the lead names no company. */
function accountName (lead: LeadRow): string {
  const company = lead.company?.trim() ?? ''
  if (company !== '') return clip(company, 255)
  return clip([lead.firstName, lead.lastName].filter(Boolean).join(' '), 255)
}

/** What the lead knows of its organization, by account field. */
function fromLead (lead: LeadRow) {
  return {
    website: lead.website,
    industry: lead.industry,
    phone: lead.phone,
    numberOfEmployees: lead.numberOfEmployees,
    billingAddress: lead.address
  }
}

/**
 * The account of a conversion: the one the caller names (already checked
 * to exist), else the oldest live account with the lead's domain, else the
 * oldest named like its company (the other matches are reported as
 * duplicates), else a new one made from the lead. A reused account only has
 * its empty fields filled.
 */
export async function chooseAccount (
  ctx: WriteContext,
  lead: LeadRow,
  accountId: string | undefined,
  ownerId: string,
  duplicates: Duplicate[]
): Promise<AccountChoice> {
  let found: AccountRow | undefined
  let matchedBy: 'caller' | 'domain' | 'name' | undefined
  if (accountId !== undefined) {
    found = await lockNamed(ctx, accountResource, 'accountId', accountId)
    matchedBy = 'caller'
  } else {
    const match = await matchAccounts(ctx, lead)
    if (match !== undefined) {
      found = match.rows[0]
      matchedBy = match.by
      const reason = match.by === 'domain' ? 'same_domain' : 'same_name'
      for (const other of match.rows.slice(1)) {
        duplicates.push({ resource: 'account', id: other.id, reason })
      }
    }
  }

  if (found !== undefined && matchedBy !== undefined) {
    const { row, filled } = await fillEmpty(ctx, accountResource, found, fromLead(lead))
    return {
      row,
      outcome: { id: row.id, action: 'reused', matchedBy, filledFields: filled }
    }
  }
  const row = await createThrough(ctx, accountResource, {
    ...fromLead(lead),
    name: accountName(lead),
    ownerId
  })
  return { row, outcome: { id: row.id, action: 'created', matchedBy: null, filledFields: [] } }
}
