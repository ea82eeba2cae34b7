import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { scoped } from '../../lib/records/tenant.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { opportunityStages } from '../opportunity-stages/opportunity-stages.table.js'
import { workspaces } from '../workspaces/workspaces.table.js'
import type { PipelineReport, PipelineReportQuery } from './pipeline-report.schemas.js'
import { listValues } from './reports.values.js'

// A report reads the tables of several modules in one statement: going
// through each module's queries would take a round trip per module and
// could mix numbers from different moments.

function pipelineFilters (query: PipelineReportQuery): SQL[] {
  const out: SQL[] = []
  if (query.ownerId !== undefined) out.push(inArray(opportunities.ownerId, listValues(query.ownerId)))
  if (query.closeDateFrom !== undefined) {
    out.push(sql`${opportunities.closeDate} >= ${query.closeDateFrom}::date`)
  }
  if (query.closeDateTo !== undefined) {
    out.push(sql`${opportunities.closeDate} <= ${query.closeDateTo}::date`)
  }
  if (query.includeClosed === false) out.push(eq(opportunities.isClosed, false))
  return out
}

type PipelineRow = {
  currency: string
  other_currency: number
  totals: PipelineReport['totals']
  by_stage: PipelineReport['byStage']
  by_owner: PipelineReport['byOwner']
  by_close_month: PipelineReport['byCloseMonth']
}

/**
 * The pipeline of the workspace's live opportunities in one statement:
 * grouping sets give the totals and the three breakdowns in one pass, and
 * the live stages are joined so that empty stages answer zeros. The
 * weighted amount rounds each opportunity before summing, exactly as
 * expectedRevenue (opportunities.revenue.ts) shows it; Postgres rounds
 * half away from zero, which is half up for the non-negative amounts.
 * Sums leave SQL as text, so no float ever holds money.
 */
export async function getPipelineReport (
  db: Executor,
  workspaceId: string,
  query: PipelineReportQuery
): Promise<PipelineReport> {
  const result = await db.execute<PipelineRow>(sql`
    with report_currency as (
      select coalesce(${query.currency ?? null}::text, ${workspaces.currency}) as currency
      from ${workspaces} where ${workspaces.id} = ${workspaceId}
    ),
    picked as (
      select
        ${opportunities.stage} as stage,
        ${opportunities.ownerId} as owner_id,
        to_char(${opportunities.closeDate}, 'YYYY-MM') as month,
        coalesce(${opportunities.amount}, 0) as amount,
        round(coalesce(${opportunities.amount}, 0) * ${opportunities.probability} / 100, 2) as weighted,
        ${opportunities.currency} = report_currency.currency as is_counted
      from ${opportunities} cross join report_currency
      where ${and(scoped(opportunities, workspaceId), ...pipelineFilters(query))}
    ),
    groups as (
      select
        grouping(stage) = 0 as by_stage,
        grouping(owner_id) = 0 as by_owner,
        grouping(month) = 0 as by_month,
        stage, owner_id, month,
        count(*)::int as count,
        coalesce(sum(amount), 0) as amount,
        jsonb_build_object(
          'count', count(*)::int,
          'amount', round(coalesce(sum(amount), 0), 2)::text,
          'weightedAmount', round(coalesce(sum(weighted), 0), 2)::text
        ) as sums
      from picked
      where is_counted
      group by grouping sets ((), (stage), (owner_id), (month))
    ),
    zero as (
      select jsonb_build_object('count', 0, 'amount', '0.00', 'weightedAmount', '0.00') as sums
    )
    select
      (select currency from report_currency) as currency,
      (select count(*)::int from picked where not is_counted) as other_currency,
      (select sums from groups where not (by_stage or by_owner or by_month)) as totals,
      (
        select coalesce(jsonb_agg(
          jsonb_build_object(
            'stage', ${opportunityStages.key},
            'label', ${opportunityStages.label},
            'position', ${opportunityStages.position},
            'isClosed', ${opportunityStages.isClosed},
            'isWon', ${opportunityStages.isWon}
          ) || coalesce(groups.sums, zero.sums)
          order by ${opportunityStages.position}, ${opportunityStages.key}
        ), '[]'::jsonb)
        from ${opportunityStages}
        cross join zero
        left join groups on groups.by_stage and groups.stage = ${opportunityStages.key}
        where ${scoped(opportunityStages, workspaceId)}
      ) as by_stage,
      (
        select coalesce(jsonb_agg(
          jsonb_build_object('ownerId', owner_id) || sums
          order by amount desc, count desc, owner_id nulls last
        ), '[]'::jsonb)
        from groups where by_owner
      ) as by_owner,
      (
        select coalesce(jsonb_agg(
          jsonb_build_object('month', month) || sums order by month nulls last
        ), '[]'::jsonb)
        from groups where by_month
      ) as by_close_month
  `)
  // The outer select has no FROM: it always answers exactly one row.
  const row = result.rows[0] as PipelineRow
  return {
    currency: row.currency,
    otherCurrencyOpportunities: row.other_currency,
    totals: row.totals,
    byStage: row.by_stage,
    byOwner: row.by_owner,
    byCloseMonth: row.by_close_month
  }
}
