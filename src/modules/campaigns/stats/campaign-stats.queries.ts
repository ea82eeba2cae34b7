import { sql } from 'drizzle-orm'
import type { Executor } from '../../../db/pool.js'
import { leads } from '../../leads/leads.table.js'
import { opportunities } from '../../opportunities/opportunities.table.js'
import { campaigns } from '../campaigns.table.js'
import { isOptedOut } from '../members/campaign-members.people.js'
import { MEMBER_STATUSES, type MemberStatus } from '../members/campaign-members.status.js'
import { campaignMembers } from '../members/campaign-members.table.js'
import type { CampaignStats } from './campaign-stats.schemas.js'

type StatsRow = Record<MemberStatus, number> & {
  currency: string
  actual_cost: string | null
  total: number
  opted_out: number
  generated: number
  converted: number
  conversion_rate: string | null
  count: number
  open: number
  won: number
  lost: number
  won_amount: string
  pipeline_amount: string
  other_currency: number
  return_on_cost: string | null
}

const byStatus = sql.join(
  MEMBER_STATUSES.map((s) =>
    sql`count(*) filter (where ${campaignMembers.status} = ${s})::int as ${sql.identifier(s)}`),
  sql`, `
)

/**
 * Ratios are divided at 20 decimals before rounding to 4. Postgres would
 * pick a scale of about 16 significant digits and round there, and rounding
 * twice can differ from rounding once; at 20 decimals a quotient of two
 * amounts (cents up to 10^14) can never sit close enough to a half.
 */
const EXACT = sql.raw('numeric(1000, 20)')

const inCurrency = sql`${opportunities.currency} = ${campaigns.currency}`

/**
 * Every number of a campaign's statistics in one statement: one lateral
 * aggregate each over its members, its leads and its opportunities, all
 * scoped to the campaign's workspace and live rows. Amounts and ratios are
 * numeric in SQL and text out of it, so nothing passes through a float.
 * No row means no live campaign of the workspace.
 */
export async function campaignStats (
  db: Executor,
  workspaceId: string,
  campaignId: string
): Promise<CampaignStats | undefined> {
  const result = await db.execute<StatsRow>(sql`
    select
      ${campaigns.currency} as currency,
      ${campaigns.actualCost}::text as actual_cost,
      m.*, l.*, o.*,
      case when l.generated = 0 then null
        else round(l.converted::${EXACT} / l.generated, 4)::text end as conversion_rate,
      case when coalesce(${campaigns.actualCost}, 0) = 0 then null
        else round(
          (o.won_amount - ${campaigns.actualCost})::${EXACT} / ${campaigns.actualCost}, 4
        )::text
      end as return_on_cost
    from ${campaigns}
    cross join lateral (
      select count(*)::int as total, ${byStatus},
        count(*) filter (where ${isOptedOut(true)})::int as opted_out
      from ${campaignMembers}
      where ${campaignMembers.workspaceId} = ${campaigns.workspaceId}
        and ${campaignMembers.campaignId} = ${campaigns.id}
        and ${campaignMembers.deletedAt} is null
    ) m
    cross join lateral (
      select count(*)::int as generated,
        count(*) filter (where ${leads.status} = 'converted')::int as converted
      from ${leads}
      where ${leads.workspaceId} = ${campaigns.workspaceId}
        and ${leads.campaignId} = ${campaigns.id}
        and ${leads.deletedAt} is null
    ) l
    cross join lateral (
      select count(*)::int as count,
        count(*) filter (where not ${opportunities.isClosed})::int as open,
        count(*) filter (where ${opportunities.isWon})::int as won,
        count(*) filter (
          where ${opportunities.isClosed} and not ${opportunities.isWon}
        )::int as lost,
        coalesce(sum(${opportunities.amount})
          filter (where ${opportunities.isWon} and ${inCurrency}), 0.00) as won_amount,
        coalesce(sum(${opportunities.amount})
          filter (where not ${opportunities.isClosed} and ${inCurrency}), 0.00) as pipeline_amount,
        count(*) filter (where not ${inCurrency})::int as other_currency
      from ${opportunities}
      where ${opportunities.workspaceId} = ${campaigns.workspaceId}
        and ${opportunities.campaignId} = ${campaigns.id}
        and ${opportunities.deletedAt} is null
    ) o
    where ${campaigns.workspaceId} = ${workspaceId}
      and ${campaigns.id} = ${campaignId}
      and ${campaigns.deletedAt} is null
  `)
  const row = result.rows[0]
  return row === undefined ? undefined : toStats(campaignId, row)
}

function toStats (campaignId: string, row: StatsRow): CampaignStats {
  return {
    campaignId,
    currency: row.currency,
    members: {
      total: row.total,
      byStatus: Object.fromEntries(
        MEMBER_STATUSES.map((s) => [s, row[s]])
      ) as Record<MemberStatus, number>,
      optedOut: row.opted_out
    },
    leadsGenerated: row.generated,
    convertedLeads: row.converted,
    conversionRate: row.conversion_rate,
    opportunities: {
      count: row.count,
      open: row.open,
      won: row.won,
      lost: row.lost,
      wonAmount: row.won_amount,
      pipelineAmount: row.pipeline_amount
    },
    otherCurrencyOpportunities: row.other_currency,
    actualCost: row.actual_cost,
    returnOnCost: row.return_on_cost
  }
}
