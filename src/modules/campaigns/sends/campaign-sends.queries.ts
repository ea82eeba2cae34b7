import { sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'

/**
 * The send rows of a campaign (campaign_sends): recorded in one statement
 * when the send is asked for, claimed by workers before anything goes to
 * SMTP, settled after. Every statement names the workspace; ids of another
 * workspace match nothing.
 *
 * Row states: pending (waiting; `claimed_at` in the future means "retry
 * not before"), sending (claimed by the worker holding `claim_token` since
 * `claimed_at`), and the final sent, bounced, failed and skipped (the
 * person opted out or was removed after the send was recorded).
 */

export interface SendSkipped {
  optedOut: number
  invalid: number
  duplicate: number
}

/** A plausible address: something, one @, a dotted domain, no blanks; at most 254 characters. */
const EMAIL_PATTERN = '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'

/**
 * Records one pending row per eligible member of the campaign, in one
 * INSERT ... SELECT, and counts those left out. Eligible: a live member
 * whose live person takes email (no emailOptOut), whose membership is not
 * unsubscribed or bounced, with a plausible address; of members sharing an
 * address (ignoring case and surrounding blanks) the earliest added gets
 * the row and the others count as duplicates. Rows already recorded stay.
 */
export async function insertSendRows (
  tx: Executor,
  workspaceId: string,
  campaignId: string
): Promise<{ total: number, skipped: SendSkipped }> {
  const result = await tx.execute(sql`
    with candidates as (
      select m.id as member_id, m.created_at, lower(trim(coalesce(l.email, c.email))) as email,
        case
          when m.status = 'unsubscribed'
            or coalesce(l.id, c.id) is null
            or coalesce(l.deleted_at, c.deleted_at) is not null
            or coalesce(l.email_opt_out, c.email_opt_out) then 'opted_out'
          when m.status = 'bounced' then 'invalid'
          else 'eligible'
        end as class
      from campaign_members m
      left join leads l on l.workspace_id = m.workspace_id and l.id = m.lead_id
      left join contacts c on c.workspace_id = m.workspace_id and c.id = m.contact_id
      where m.workspace_id = ${workspaceId} and m.campaign_id = ${campaignId}
        and m.deleted_at is null
    ),
    classified as (
      select member_id, created_at, email,
        case
          when class = 'eligible'
            and (email is null or length(email) > 254 or email !~ ${EMAIL_PATTERN}) then 'invalid'
          else class
        end as class
      from candidates
    ),
    ranked as (
      select member_id, email,
        row_number() over (partition by email order by created_at, member_id) as rank
      from classified
      where class = 'eligible'
    ),
    inserted as (
      insert into campaign_sends (workspace_id, campaign_id, member_id, email)
      select ${workspaceId}, ${campaignId}, member_id, email from ranked where rank = 1
      on conflict do nothing
      returning 1
    )
    select
      (select count(*) from inserted)::int as inserted,
      (select count(*) from campaign_sends
        where workspace_id = ${workspaceId} and campaign_id = ${campaignId})::int as existing,
      (select count(*) from classified where class = 'opted_out')::int as "optedOut",
      (select count(*) from classified where class = 'invalid')::int as invalid,
      (select count(*) from ranked where rank > 1)::int as duplicate
  `)
  const row = result.rows[0] as Record<string, number>
  return {
    // The count of existing rows is read before the insert's own rows are visible.
    total: (row.inserted ?? 0) + (row.existing ?? 0),
    skipped: {
      optedOut: row.optedOut ?? 0,
      invalid: row.invalid ?? 0,
      duplicate: row.duplicate ?? 0
    }
  }
}

export interface ClaimedSend {
  id: string
  memberId: string
  email: string
  attempts: number
}

/**
 * Claims up to `limit` rows for the worker holding `token`: pending rows
 * that are due, and rows whose claim is older than the lease (their worker
 * died). One conditional UPDATE over rows locked with SKIP LOCKED, so two
 * workers never claim the same row, and a row recorded sent (or any final
 * state) is never claimed again. Counts the claim as an attempt.
 */
export async function claimSends (
  db: Executor,
  claim: { workspaceId: string, campaignId: string, token: string, limit: number, leaseMs: number }
): Promise<ClaimedSend[]> {
  const result = await db.execute(sql`
    update campaign_sends s
    set status = 'sending', claimed_at = now(), claim_token = ${claim.token},
      attempts = s.attempts + 1, updated_at = now()
    from (
      select id from campaign_sends
      where workspace_id = ${claim.workspaceId} and campaign_id = ${claim.campaignId}
        and (
          (status = 'pending' and (claimed_at is null or claimed_at <= now()))
          or (status = 'sending'
            and claimed_at < now() - make_interval(secs => ${claim.leaseMs / 1000}))
        )
      order by claimed_at nulls first, id
      limit ${claim.limit}
      for update skip locked
    ) picked
    where s.id = picked.id
    returning s.id, s.member_id as "memberId", s.email, s.attempts
  `)
  return result.rows as unknown as ClaimedSend[]
}

/**
 * Keeps the claim on rows still being worked on (a slow batch must not
 * look abandoned); answers the ids still held. A row missing from the
 * answer was taken over by another worker and must not be sent here.
 */
export async function renewClaims (
  db: Executor,
  workspaceId: string,
  ids: string[],
  token: string
) {
  if (ids.length === 0) return new Set<string>()
  const result = await db.execute(sql`
    update campaign_sends set claimed_at = now()
    where workspace_id = ${workspaceId} and id = any(${sql.param(ids)}::uuid[])
      and status = 'sending' and claim_token = ${token}
    returning id
  `)
  return new Set((result.rows as { id: string }[]).map((r) => r.id))
}

/**
 * Delivered: the rows become sent with their Message-ID, and their members
 * move to sent (from targeted; a member further up the ladder keeps its
 * status) with sentAt, in one statement. Recorded whoever holds the claim
 * now: the message did go out.
 */
export async function markSent (
  db: Executor,
  workspaceId: string,
  sent: { id: string, messageId: string }[]
) {
  if (sent.length === 0) return
  await db.execute(sql`
    with v as (
      select * from unnest(
        ${sql.param(sent.map((s) => s.id))}::uuid[],
        ${sql.param(sent.map((s) => s.messageId))}::text[]
      ) as v(id, message_id)
    ),
    done as (
      update campaign_sends s
      set status = 'sent', sent_at = now(), message_id = v.message_id, claim_token = null,
        last_error = null, updated_at = now()
      from v
      where s.workspace_id = ${workspaceId} and s.id = v.id and s.status in ('pending', 'sending')
      returning s.member_id
    )
    update campaign_members m
    set status = case when m.status = 'targeted' then 'sent' else m.status end,
      sent_at = coalesce(m.sent_at, now()), updated_at = now(), version = m.version + 1
    from done
    where m.workspace_id = ${workspaceId} and m.id = done.member_id
  `)
}

export type FinalOutcome = 'bounced' | 'failed'

/**
 * A permanent rejection (bounced) or a transient failure past the last
 * attempt (failed): the rows settle and their members take the outcome
 * with its time, unless the member already reached an outcome. Only rows
 * this worker still holds.
 */
export async function markFinal (
  db: Executor,
  workspaceId: string,
  token: string,
  outcome: FinalOutcome,
  rows: { id: string, messageId: string | null, error: string }[]
) {
  if (rows.length === 0) return
  const time = outcome === 'bounced' ? sql.raw('bounced_at') : sql.raw('failed_at')
  await db.execute(sql`
    with v as (
      select * from unnest(
        ${sql.param(rows.map((r) => r.id))}::uuid[],
        ${sql.param(rows.map((r) => r.messageId))}::text[],
        ${sql.param(rows.map((r) => r.error))}::text[]
      ) as v(id, message_id, error)
    ),
    done as (
      update campaign_sends s
      set status = ${outcome}, message_id = v.message_id, last_error = v.error, claim_token = null,
        updated_at = now()
      from v
      where s.workspace_id = ${workspaceId} and s.id = v.id and s.status = 'sending'
        and s.claim_token = ${token}
      returning s.member_id
    )
    update campaign_members m
    set status = case
        when m.status in ('bounced', 'unsubscribed', 'failed') then m.status else ${outcome}
      end,
      ${time} = coalesce(m.${time}, now()), updated_at = now(), version = m.version + 1
    from done
    where m.workspace_id = ${workspaceId} and m.id = done.member_id
  `)
}

/** A transient failure with attempts left: pending again, not before `retryInMs`. */
export async function markRetry (
  db: Executor,
  workspaceId: string,
  token: string,
  rows: { id: string, error: string, retryInMs: number }[]
) {
  if (rows.length === 0) return
  await db.execute(sql`
    update campaign_sends s
    set status = 'pending', claim_token = null, last_error = v.error, updated_at = now(),
      claimed_at = now() + make_interval(secs => v.delay_ms / 1000.0)
    from unnest(
      ${sql.param(rows.map((r) => r.id))}::uuid[],
      ${sql.param(rows.map((r) => r.error))}::text[],
      ${sql.param(rows.map((r) => r.retryInMs))}::int[]
    ) as v(id, error, delay_ms)
    where s.workspace_id = ${workspaceId} and s.id = v.id and s.status = 'sending'
      and s.claim_token = ${token}
  `)
}

/** The person opted out or was removed since the send was recorded: never emailed. */
export async function markSkipped (
  db: Executor,
  workspaceId: string,
  token: string,
  ids: string[]
) {
  if (ids.length === 0) return
  await db.execute(sql`
    update campaign_sends set status = 'skipped', claim_token = null, updated_at = now(),
      last_error = 'the person opted out or was removed after the send was recorded'
    where workspace_id = ${workspaceId} and id = any(${sql.param(ids)}::uuid[])
      and status = 'sending' and claim_token = ${token}
  `)
}

/**
 * Hands back rows this worker claimed but did not send (a pause, a
 * shutdown): due at once, the attempt not counted.
 */
export async function releaseClaims (
  db: Executor,
  workspaceId: string,
  token: string,
  ids: string[]
) {
  if (ids.length === 0) return
  await db.execute(sql`
    update campaign_sends
    set status = 'pending', claim_token = null, claimed_at = null,
      attempts = greatest(attempts - 1, 0), updated_at = now()
    where workspace_id = ${workspaceId} and id = any(${sql.param(ids)}::uuid[])
      and status = 'sending' and claim_token = ${token}
  `)
}

export interface SendCounts {
  total: number
  pending: number
  sending: number
  sent: number
  bounced: number
  failed: number
  skipped: number
  /** Milliseconds until the next pending row is due or a claim runs out; null when none. */
  nextDueInMs: number | null
}

export async function countSends (
  db: Executor,
  workspaceId: string,
  campaignId: string,
  leaseMs: number
): Promise<SendCounts> {
  const result = await db.execute(sql`
    select
      count(*)::int as total,
      (count(*) filter (where status = 'pending'))::int as pending,
      (count(*) filter (where status = 'sending'))::int as sending,
      (count(*) filter (where status = 'sent'))::int as sent,
      (count(*) filter (where status = 'bounced'))::int as bounced,
      (count(*) filter (where status = 'failed'))::int as failed,
      (count(*) filter (where status = 'skipped'))::int as skipped,
      (extract(epoch from min(
        case
          when status = 'pending' then coalesce(claimed_at, now())
          when status = 'sending' then claimed_at + make_interval(secs => ${leaseMs / 1000})
        end
      ) - now()) * 1000)::float8 as "nextDueInMs"
    from campaign_sends
    where workspace_id = ${workspaceId} and campaign_id = ${campaignId}
  `)
  const row = result.rows[0] as Omit<SendCounts, 'nextDueInMs'> & { nextDueInMs: number | null }
  return { ...row, nextDueInMs: row.nextDueInMs === null ? null : Math.max(0, row.nextDueInMs) }
}
