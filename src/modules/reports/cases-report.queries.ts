import { and, inArray, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import { CASE_PRIORITIES } from '../cases/cases.schemas.js'
import { cases } from '../cases/cases.table.js'
import { type CasesReport, type CasesReportQuery, OPEN_CASE_STATUSES } from './cases-report.schemas.js'
import { countsByKey, listValues } from './reports.values.js'

/** Seconds as Postgres printed them; a JSON number holds them exactly enough (ms). */
const seconds = (text: string | null) => (text === null ? null : Number(text))

function casesFilters (query: CasesReportQuery): SQL[] {
  const out: SQL[] = []
  if (query.ownerId !== undefined) out.push(inArray(cases.ownerId, listValues(query.ownerId)))
  if (query.accountId !== undefined) out.push(inArray(cases.accountId, listValues(query.accountId)))
  if (query.createdAtFrom !== undefined) {
    out.push(sql`${cases.createdAt} >= ${query.createdAtFrom}::timestamptz`)
  }
  if (query.createdAtTo !== undefined) {
    out.push(sql`${cases.createdAt} <= ${query.createdAtTo}::timestamptz`)
  }
  return out
}

type CasesRow = {
  open_total: number
  open_by_priority: Record<string, number>
  open_by_status: Record<string, number>
  first_response: number
  resolution: number
  open_overdue: number
  resolved_count: number
  median_seconds: string | null
  average_seconds: string | null
}

/**
 * The cases of the workspace in one statement. "Now" is the statement's
 * now(), one instant for every count. The overdue test is the one the
 * records' isOverdue makes (cases.resource.ts): open and past
 * resolutionDueAt, or unanswered and past firstResponseDueAt, both strict.
 * A closed case breached resolution when it entered the closed group
 * (closedAt; resolvedAt if that is missing) after resolutionDueAt. Times
 * are intervals until the end, so the median (the midpoint of two
 * millisecond values at worst, hence four places) and the mean are exact
 * before they become seconds.
 */
export async function getCasesReport (
  db: Executor,
  workspaceId: string,
  query: CasesReportQuery
): Promise<CasesReport> {
  const result = await db.execute<CasesRow>(sql`
    with picked as (
      select
        ${cases.status} as status,
        ${cases.priority} as priority,
        ${cases.isClosed} as is_closed,
        ${cases.firstResponseAt} as first_response_at,
        ${cases.firstResponseDueAt} as first_response_due_at,
        ${cases.resolutionDueAt} as resolution_due_at,
        coalesce(${cases.closedAt}, ${cases.resolvedAt}) as ended_at,
        ${cases.resolvedAt} - ${cases.createdAt} as resolution_time
      from ${cases}
      where ${and(scoped(cases, workspaceId), ...casesFilters(query))}
    )
    select
      count(*) filter (where not is_closed)::int as open_total,
      (
        select coalesce(jsonb_object_agg(priority, n), '{}'::jsonb)
        from (select priority, count(*)::int as n from picked where not is_closed group by priority) p
      ) as open_by_priority,
      (
        select coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
        from (select status, count(*)::int as n from picked where not is_closed group by status) s
      ) as open_by_status,
      count(*) filter (
        where first_response_at > first_response_due_at
          or (first_response_at is null and now() > first_response_due_at)
      )::int as first_response,
      count(*) filter (
        where (is_closed and ended_at > resolution_due_at)
          or (not is_closed and now() > resolution_due_at)
      )::int as resolution,
      count(*) filter (
        where not is_closed and (
          now() > resolution_due_at
          or (first_response_at is null and now() > first_response_due_at)
        )
      )::int as open_overdue,
      count(resolution_time)::int as resolved_count,
      round(extract(epoch from
        percentile_cont(0.5) within group (order by resolution_time)
      ), 4)::text as median_seconds,
      round(extract(epoch from avg(resolution_time)), 3)::text as average_seconds
    from picked
  `)
  // An aggregate without GROUP BY answers one row even over no cases.
  const row = result.rows[0] as CasesRow
  return {
    open: {
      total: row.open_total,
      byPriority: countsByKey(CASE_PRIORITIES, row.open_by_priority),
      byStatus: countsByKey(OPEN_CASE_STATUSES, row.open_by_status)
    },
    slaBreaches: {
      firstResponse: row.first_response,
      resolution: row.resolution,
      openOverdue: row.open_overdue
    },
    resolved: {
      count: row.resolved_count,
      medianResolutionSeconds: seconds(row.median_seconds),
      averageResolutionSeconds: seconds(row.average_seconds)
    }
  }
}
