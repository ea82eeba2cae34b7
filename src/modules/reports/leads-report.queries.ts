import { and, inArray, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import { LEAD_STATUSES } from '../leads/leads.schemas.js'
import { leads } from '../leads/leads.table.js'
import type { LeadsReport, LeadsReportQuery } from './leads-report.schemas.js'
import { countsByKey, listValues } from './reports.values.js'

function leadsFilters (query: LeadsReportQuery): SQL[] {
  const out: SQL[] = []
  if (query.createdAtFrom !== undefined) {
    out.push(sql`${leads.createdAt} >= ${query.createdAtFrom}::timestamptz`)
  }
  if (query.createdAtTo !== undefined) {
    out.push(sql`${leads.createdAt} <= ${query.createdAtTo}::timestamptz`)
  }
  if (query.ownerId !== undefined) out.push(inArray(leads.ownerId, listValues(query.ownerId)))
  if (query.campaignId !== undefined) out.push(inArray(leads.campaignId, listValues(query.campaignId)))
  if (query.source !== undefined) out.push(inArray(leads.source, listValues(query.source)))
  return out
}

type LeadsRow = {
  total: number
  converted: number
  conversion_rate: string | null
  average_score: string | null
  by_status: Record<string, number>
  by_source: LeadsReport['bySource']
}

/**
 * The leads of the workspace by status and by source in one statement (one
 * pass with grouping sets). A rate is converted / total as numeric, rounded
 * half up to four places, and null over no leads; the average score covers
 * only scored leads. Filter values stay bound parameters; timestamps are
 * cast by Postgres, which takes any offset RFC 3339 allows.
 */
export async function getLeadsReport (
  db: Executor,
  workspaceId: string,
  query: LeadsReportQuery
): Promise<LeadsReport> {
  const result = await db.execute<LeadsRow>(sql`
    with picked as (
      select ${leads.status} as status, ${leads.source} as source, ${leads.score} as score
      from ${leads}
      where ${and(scoped(leads, workspaceId), ...leadsFilters(query))}
    ),
    groups as (
      select
        grouping(status) = 0 as by_status,
        grouping(source) = 0 as by_source,
        status, source,
        count(*)::int as total,
        count(*) filter (where status = 'converted')::int as converted,
        case when count(*) > 0
          then round((count(*) filter (where status = 'converted'))::numeric / count(*), 4)::text
        end as conversion_rate,
        round(avg(score), 2)::text as average_score
      from picked
      group by grouping sets ((), (status), (source))
    )
    select
      whole.total, whole.converted, whole.conversion_rate, whole.average_score,
      (
        select coalesce(jsonb_object_agg(status, total), '{}'::jsonb)
        from groups where by_status
      ) as by_status,
      (
        select coalesce(jsonb_agg(
          jsonb_build_object(
            'source', source, 'total', total, 'converted', converted, 'conversionRate', conversion_rate
          )
          order by total desc, source nulls last
        ), '[]'::jsonb)
        from groups where by_source
      ) as by_source
    from groups whole
    where not (whole.by_status or whole.by_source)
  `)
  // The empty grouping set answers one row even over no leads.
  const row = result.rows[0] as LeadsRow
  return {
    total: row.total,
    byStatus: countsByKey(LEAD_STATUSES, row.by_status),
    bySource: row.by_source,
    converted: row.converted,
    conversionRate: row.conversion_rate,
    averageScore: row.average_score
  }
}
