import { type SQL, sql } from 'drizzle-orm'
import { FREE_MAIL } from '../leads/conversion/lead-conversion.matching.js'
import { SCORE_MAX, SCORE_MIN } from './lead-scoring.defaults.js'
import { ENGAGEMENT_EVENTS } from './lead-scoring.rules.js'
import type { EngagementRules, FitRule, ScoringRules } from './lead-scoring.schemas.js'

/**
 * Rules compiled into one set-based statement. Each fit rule becomes a
 * boolean column and, through a CASE, its points and its index in the
 * lead's score facts; engagement is one aggregate over the lead's live
 * campaign memberships. The breakdown is not written: it is expanded from
 * the facts on read (lead-scoring.facts.ts). The statement is the same for
 * one lead and for a chunk of 5,000; every value of the rules is a bound
 * parameter, never part of the SQL text.
 *
 * The arithmetic, which the tests recompute by hand:
 * - a fit rule adds its points when it matches; a NULL field matches nothing;
 * - each campaign member time (openedAt, clickedAt, respondedAt) is an event
 *   worth its points times 0.5^(age / halfLifeDays), rounded half up, where
 *   age is whole days from the event's UTC date to the asOf UTC date (0 for
 *   events on or after it); no half-life, no decay;
 * - engagement adds at most maxPoints (an `engagement_cap` entry records
 *   what was cut);
 * - the score is the sum clamped to 0..100, the breakdown lists the entries
 *   that sum before clamping (the cap entry is derived on read).
 */

export interface ScoringTarget {
  workspaceId: string
  rulesVersion: number
  rules: ScoringRules
  /** The UTC day decay is counted to, YYYY-MM-DD. */
  asOfDay: string
}

/** Which leads one statement scores: the next chunk by id, or the given ids. */
export type LeadSelector = { after: string, limit: number } | { ids: readonly string[] }

const textArray = (values: readonly string[]) => sql`${sql.param([...values])}::text[]`
const FREE_MAIL_DOMAINS = [...FREE_MAIL]

/** The email's domain, lower case: what follows its last @ (NULL without one). */
const emailDomainOf = sql`case when strpos(l.email, '@') > 0
  then lower(reverse(split_part(reverse(l.email), '@', 1))) end`
const emailDomain = sql`d.email_domain`

/**
 * What several rules read of a lead, computed once per lead: `offset 0`
 * keeps PostgreSQL from copying the expressions into every rule again.
 */
const derived = sql`cross join lateral (
  select ${emailDomainOf} as email_domain, lower(l.title) as title_lower offset 0
) d`

function range (column: SQL, min: string | number | null, max: string | number | null, type: SQL): SQL {
  const parts: SQL[] = []
  if (min !== null) parts.push(sql`${column} >= ${min}::${type}`)
  if (max !== null) parts.push(sql`${column} <= ${max}::${type}`)
  return sql.join(parts, sql` and `)
}

function condition (rule: FitRule): SQL {
  switch (rule.type) {
    case 'industry':
      // An uncorrelated sub-select: PostgreSQL lowers the list once per statement.
      return sql`lower(l.industry) = any (array(select lower(v) from unnest(${textArray(rule.anyOf)}) v))`
    case 'title_contains':
      // strpos, not LIKE: a value's % or _ is only a character.
      // The lower-cased list is an uncorrelated sub-select: computed once per statement.
      return sql`exists (
        select 1 from unnest(array(select lower(x) from unnest(${textArray(rule.anyOf)}) x)) v
        where strpos(d.title_lower, v) > 0
      )`
    case 'source':
      return sql`l.source = any (${textArray(rule.anyOf)})`
    case 'company_size':
      return range(sql`l.number_of_employees`, rule.min, rule.max, sql`integer`)
    case 'estimated_amount': {
      // No exchange rates: a rule naming a currency looks only at leads in
      // it; one naming none compares every amount as it is.
      const amount = range(sql`l.estimated_amount`, rule.min, rule.max, sql`numeric`)
      const currency = rule.currency ?? null
      return currency === null ? amount : sql`${amount} and l.currency = ${currency}::text`
    }
    case 'email_domain':
      return rule.freeMail
        ? sql`${emailDomain} = any (${textArray(FREE_MAIL_DOMAINS)})`
        : sql`${emailDomain} <> all (${textArray(FREE_MAIL_DOMAINS)})`
  }
}

/** One event's points as of the day, rounded half up; 0 when the member has no such time. */
function decayed (column: SQL, points: number, engagement: EngagementRules, asOfDay: string): SQL {
  const base = sql`${points}::float8`
  if (engagement.halfLifeDays === null) return sql`case when ${column} is null then 0 else ${base} end`
  const age = sql`greatest(0, ${asOfDay}::date - (${column} at time zone 'UTC')::date)`
  const factor = sql`power(0.5::float8, ${age}::float8 / ${engagement.halfLifeDays}::float8)`
  return sql`case when ${column} is null then 0 else floor(${base} * ${factor} + 0.5) end`
}

function engagementJoin (engagement: EngagementRules, asOfDay: string): SQL {
  const aggregates = ENGAGEMENT_EVENTS.map((event, i) => {
    const column = sql.raw(`m.${snake(event.field)}`)
    const points = decayed(column, engagement[event.points], engagement, asOfDay)
    return sql`count(${column})::int as events_${sql.raw(String(i))},
      coalesce(sum(${points}), 0)::int as points_${sql.raw(String(i))}`
  })
  return sql`left join lateral (
    select ${sql.join(aggregates, sql`, `)}
    from campaign_members m
    where m.workspace_id = l.workspace_id and m.lead_id = l.id and m.deleted_at is null
  ) e on true`
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * The lead's score facts (see lead-scoring.facts.ts): each engagement
 * event's count and points, then the indices of the fit rules that matched.
 */
function factsOf (matches: readonly SQL[]): SQL {
  const engagement = ENGAGEMENT_EVENTS.map((_, i) => sql.raw(`f.events_${i}, f.points_${i}`))
  const fit = matches.length === 0
    ? sql`array[]::int[]`
    : sql`array_remove(array[${sql.join(matches.map((m, i) =>
      sql`case when ${m} then ${sql.raw(String(i))} end`), sql`, `)}]::int[], null)`
  return sql`array[${sql.join(engagement, sql`, `)}]::int[] || ${fit}`
}

/**
 * The ids a statement looks at: the next `limit` ids of the workspace by
 * its (workspace_id, id) key, deleted and converted ones included (they
 * are dropped next, but still move the cursor), or the given ids.
 */
function span (target: ScoringTarget, selector: LeadSelector): SQL {
  const workspace = sql`workspace_id = ${target.workspaceId}::uuid`
  if ('ids' in selector) {
    return sql`select id from leads where ${workspace} and id = any (${sql.param([...selector.ids])}::uuid[])`
  }
  // No deleted_at condition here: the partial indexes would tempt the
  // planner into sorting the whole workspace for every chunk.
  return sql`select id from leads
    where ${workspace} and id > ${selector.after}::uuid
    order by id limit ${selector.limit}::int`
}

/**
 * The statement that scores the selected leads of one workspace and answers
 * `{ scored, lastId }`: how many leads now carry this run's score, and the
 * greatest id it looked at (the next keyset cursor; null when none was
 * left). Deleted and converted leads are not selected. A lead already
 * scored with newer rules is left alone, so a slow job never overwrites a
 * newer rescore. A lead whose score, facts and rules version would not
 * change is not written at all (a nightly rescore mostly confirms): its
 * `scoredAt` stays when the score was last written.
 *
 * No explicit row lock: the UPDATE takes its rows in the order of `span`
 * (id order), and were two scoring statements ever to deadlock, PostgreSQL
 * aborts one and its job runs again. A lock pass would write every row
 * once more, unchanged ones included.
 */
export function scoreStatement (target: ScoringTarget, selector: LeadSelector): SQL {
  const { rules, asOfDay } = target
  const matches = rules.fit.map((rule, i) => ({ rule, column: sql.raw(`f.m_${i}`) }))
  const matchColumns = rules.fit.map((rule, i) =>
    sql`coalesce(${condition(rule)}, false) as ${sql.raw(`m_${i}`)}`)
  const fitPoints = matches.map(({ rule, column }) =>
    sql`case when ${column} then ${rule.points}::int else 0 end`)
  const engagementTotal = sql.join(ENGAGEMENT_EVENTS.map((_, i) => sql.raw(`matched.points_${i}`)), sql` + `)
  const version = sql`${target.rulesVersion}::int`

  return sql`with span as (${span(target, selector)}),
  -- Materialized: each rule's condition is computed once per lead, not
  -- once for its points and once more for its score facts.
  matched as materialized (
    select l.id, coalesce(l.score_rules_version, -1) <= ${version} as current,
      l.score as current_score, l.score_facts as current_facts,
      l.score_rules_version as current_version,
      ${sql.join([...matchColumns, sql`e.*`], sql`, `)}
    from span s
    join leads l on l.id = s.id
    ${derived}
    ${engagementJoin(rules.engagement, asOfDay)}
    where l.workspace_id = ${target.workspaceId}::uuid
      and l.deleted_at is null and l.status <> 'converted'
  ),
  scores as (
    select f.id, f.current, f.current_score, f.current_facts, f.current_version,
      least(${SCORE_MAX}::int, greatest(${SCORE_MIN}::int,
        ${sql.join([sql`0`, ...fitPoints], sql` + `)}
          + least(f.engagement, ${rules.engagement.maxPoints}::int))) as score,
      ${factsOf(matches.map(({ column }) => column))} as facts
    from (select matched.*, ${engagementTotal} as engagement from matched) f
  ),
  -- Only what would change is handed to the UPDATE; a lead written
  -- meanwhile asked for its own scoring, which reads it afresh.
  totals as materialized (
    select *, current and (current_score is distinct from score
      or current_version is distinct from ${version}
      or current_facts is distinct from facts) as changed
    from scores
  ),
  written as (
    update leads set
      score = t.score,
      score_facts = t.facts,
      score_breakdown = null,
      scored_at = now(),
      score_rules_version = ${version}
    from totals t
    where t.changed and leads.workspace_id = ${target.workspaceId}::uuid and leads.id = t.id
      and coalesce(leads.score_rules_version, -1) <= ${version}
    returning leads.id
  )
  select (select count(*) from totals where current)::int as scored,
    (select count(*) from written)::int as written,
    (select id from span order by id desc limit 1) as "lastId"`
}
