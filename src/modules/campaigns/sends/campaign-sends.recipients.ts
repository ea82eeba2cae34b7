import { sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import type { MergeValues } from '../message/campaign-message.fields.js'

/**
 * The people behind send rows (or members), as merge values, read in one
 * query for a whole batch. A lead gives its own fields; a contact its own
 * and its account's. `isReachable` is read now, not when the send was
 * recorded: someone who opted out since is not emailed.
 */
export interface Recipient {
  /** The send row, or the member for a test send. */
  id: string
  memberId: string
  isReachable: boolean
  values: MergeValues
}

interface RecipientRow {
  id: string
  memberId: string
  isReachable: boolean
  firstName: string | null
  lastName: string | null
  email: string | null
  title: string | null
  phone: string | null
  company: string | null
  department: string | null
  industry: string | null
  website: string | null
  isLead: boolean
}

/** The member (`x.<memberColumn>`), its live person and a contact's live account. */
const people = (memberColumn: 'member_id' | 'id') => sql`
  join campaign_members m on m.workspace_id = x.workspace_id and m.id = x.${sql.raw(memberColumn)}
  left join leads l on l.workspace_id = m.workspace_id and l.id = m.lead_id and l.deleted_at is null
  left join contacts c on c.workspace_id = m.workspace_id and c.id = m.contact_id
    and c.deleted_at is null
  left join accounts a on a.workspace_id = c.workspace_id and a.id = c.account_id
    and a.deleted_at is null
`

const COLUMNS = sql`
  m.id as "memberId",
  (m.deleted_at is null and m.status not in ('unsubscribed', 'bounced')
    and coalesce(not l.email_opt_out, not c.email_opt_out, false)) as "isReachable",
  coalesce(l.first_name, c.first_name) as "firstName",
  coalesce(l.last_name, c.last_name) as "lastName",
  coalesce(l.title, c.title) as title,
  coalesce(l.phone, c.phone) as phone,
  coalesce(l.company, a.name) as company,
  c.department,
  coalesce(l.industry, a.industry) as industry,
  coalesce(l.website, a.website) as website,
  m.lead_id is not null as "isLead"
`

function toRecipient (row: RecipientRow, campaignName: string): Recipient {
  const fullName = [row.firstName, row.lastName].filter((p) => p !== null && p !== '').join(' ')
  return {
    id: row.id,
    memberId: row.memberId,
    isReachable: row.isReachable,
    values: {
      firstName: row.firstName,
      lastName: row.lastName,
      fullName,
      email: row.email,
      title: row.title,
      phone: row.phone,
      company: row.company,
      department: row.department,
      industry: row.industry,
      website: row.website,
      'account.name': row.company,
      'account.website': row.website,
      'account.industry': row.industry,
      'campaign.name': campaignName
    }
  }
}

/** The recipients of these send rows; the address is the one the row recorded. */
export async function sendRecipients (
  db: Executor,
  workspaceId: string,
  campaignName: string,
  sendIds: string[]
): Promise<Map<string, Recipient>> {
  if (sendIds.length === 0) return new Map()
  const result = await db.execute(sql`
    select x.id, x.email, ${COLUMNS}
    from campaign_sends x
    ${people('member_id')}
    where x.workspace_id = ${workspaceId} and x.id = any(${sql.param(sendIds)}::uuid[])
  `)
  const rows = result.rows as unknown as RecipientRow[]
  return new Map(rows.map((r) => [r.id, toRecipient(r, campaignName)]))
}

/** A member of the campaign as a recipient (a test send that names one), or undefined. */
export async function memberRecipient (
  db: Executor,
  workspaceId: string,
  campaign: { id: string, name: string },
  memberId: string
): Promise<Recipient | undefined> {
  const result = await db.execute(sql`
    select x.id, coalesce(l.email, c.email) as email, ${COLUMNS}
    from campaign_members x
    ${people('id')}
    where x.workspace_id = ${workspaceId} and x.campaign_id = ${campaign.id}
      and x.id = ${memberId} and x.deleted_at is null
  `)
  const row = result.rows[0] as RecipientRow | undefined
  return row === undefined ? undefined : toRecipient(row, campaign.name)
}
