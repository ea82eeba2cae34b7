import { asc, eq, ne, type SQL, sql } from 'drizzle-orm'
import { scoped, type WriteContext } from '../../../lib/records/tenant.js'
import { domainOf } from '../../../lib/resource/resource.fields.js'
import { accounts } from '../../accounts/accounts.table.js'
import { contacts } from '../../contacts/contacts.table.js'
import { leads } from '../leads.table.js'
import { MAX_DUPLICATES } from './lead-conversion.schemas.js'

/**
 * The queries that find what a lead may already be in the CRM as. Each is
 * scoped to the caller's workspace and sees live rows only; the rows a
 * conversion may change are locked FOR UPDATE until it ends.
 */

type AccountRow = typeof accounts.$inferSelect
type ContactRow = typeof contacts.$inferSelect
type LeadRow = typeof leads.$inferSelect

/**
 * Mail providers whose domain says nothing about the person's organization:
 * grace@gmail.com must not match an account "gmail.com". A short list of the
 * big ones; a miss only means a lead is matched by company name instead.
 * Lead scoring's `email_domain` rule uses the same list.
 */
export const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'ymail.com',
  'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'live.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'gmx.de', 'gmx.net', 'gmx.com', 'web.de',
  't-online.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'mail.ru', 'zoho.com',
  'qq.com', '163.com', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it'
])

/** The part of an email after the @, lower case, unless it is a free-mail provider's. */
export function emailDomain (email: string | null): string | null {
  const at = email?.lastIndexOf('@') ?? -1
  if (email == null || at < 0) return null
  const domain = email.slice(at + 1).toLowerCase()
  return domain === '' || FREE_MAIL.has(domain) ? null : domain
}

/** The domain a lead's organization is known by: its website's, else its email's. */
export function leadDomain (lead: Pick<LeadRow, 'website' | 'email'>): string | null {
  return domainOf(lead.website) ?? emailDomain(lead.email)
}

export interface AccountMatch {
  by: 'domain' | 'name'
  /** Oldest first: the first is used, the others are reported as duplicates. */
  rows: AccountRow[]
}

/**
 * Accounts that are the lead's organization: those with its domain, else
 * those named like its company (ignoring case and surrounding blanks).
 */
export async function matchAccounts (
  ctx: WriteContext,
  lead: Pick<LeadRow, 'website' | 'email' | 'company'>
): Promise<AccountMatch | undefined> {
  const domain = leadDomain(lead)
  if (domain !== null) {
    const rows = await lockedAccounts(ctx, eq(accounts.domain, domain))
    if (rows.length > 0) return { by: 'domain', rows }
  }
  const company = lead.company?.trim() ?? ''
  if (company === '') return undefined
  // Served by accounts_workspace_id_name_idx (the same expression).
  const rows = await lockedAccounts(ctx, sql`lower(trim(${accounts.name})) = lower(${company})`)
  return rows.length > 0 ? { by: 'name', rows } : undefined
}

async function lockedAccounts (ctx: WriteContext, condition: SQL) {
  return ctx.tx
    .select()
    .from(accounts)
    .where(scoped(accounts, ctx.tenant.workspaceId, condition))
    .orderBy(asc(accounts.createdAt), asc(accounts.id))
    .limit(MAX_DUPLICATES + 1)
    .for('update')
}

/** The live contact with this email, ignoring case (at most one: emails are unique). */
export async function contactWithEmail (
  ctx: WriteContext,
  email: string
): Promise<ContactRow | undefined> {
  const rows = await ctx.tx
    .select()
    .from(contacts)
    .where(scoped(
      contacts, ctx.tenant.workspaceId, sql`lower(${contacts.email}) = lower(${email})`
    ))
    .limit(1)
    .for('update')
  return rows[0]
}

/** Other live leads, not yet converted, with the same email: the same person twice. */
export async function otherLeadsWithEmail (
  ctx: WriteContext,
  lead: Pick<LeadRow, 'id' | 'email'>
): Promise<string[]> {
  if (lead.email === null) return []
  const rows = await ctx.tx
    .select({ id: leads.id })
    .from(leads)
    .where(scoped(
      leads,
      ctx.tenant.workspaceId,
      sql`lower(${leads.email}) = lower(${lead.email})`,
      ne(leads.id, lead.id),
      ne(leads.status, 'converted')
    ))
    .orderBy(asc(leads.createdAt), asc(leads.id))
    .limit(MAX_DUPLICATES)
  return rows.map((r) => r.id)
}
