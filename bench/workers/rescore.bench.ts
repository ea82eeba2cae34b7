import { FREE_MAIL } from '../../src/modules/leads/conversion/lead-conversion.matching.js'
import { type BenchContext, integerEnv, openBench, printLines, timed, waitForJob } from './workers.setup.js'

/**
 * `npm run bench:rescore`: a full rescore of BENCH_ROWS leads (default
 * 1,000,000) through the `leads.rescore` job (the default rules: fit rules
 * and decayed campaign engagement, with each lead's score facts, the rules
 * version and the time), against the baseline: a hand-written set-based
 * UPDATE that computes the same scores (the default fit points and decayed
 * engagement, capped), in chunks of 5,000 by id, and writes the score and
 * the time alone. Each round checks that both sides wrote the same
 * scores. Both leave a row whose score would not change unwritten, so the
 * first round (every row new) and the second (the other side's scores in
 * place) differ. Both run on the same rows in the same run, baseline
 * first, then ours, then both again, each from a vacuumed table. Only
 * the ratio means anything on a shared machine; nothing passes or fails
 * on a number.
 */

const ROWS = integerEnv(process.env, 'BENCH_ROWS', 1_000_000, 1000, 20_000_000)
const ROUNDS = integerEnv(process.env, 'BENCH_ROUNDS', 2, 1, 10)
const CHUNK = 5000
const TARGET = 0.5

async function loadLeads (ctx: BenchContext, rows: number) {
  const pool = ctx.deps.database.pool
  // Set-based, in slices so one statement never holds everything.
  for (let from = 1; from <= rows; from += 100_000) {
    const to = Math.min(rows, from + 99_999)
    await pool.query(
      `insert into leads (workspace_id, first_name, last_name, email, title, industry, number_of_employees,
         source, estimated_amount, currency)
       select $1, 'Lead', 'N' || g,
         'lead' || g || case when g % 4 = 0 then '@gmail.com' else '@company' || (g % 500) || '.example' end,
         (array['Chief Technology Officer', 'Engineer', 'Head of Sales', 'Analyst', 'VP Marketing'])[1 + g % 5],
         (array['software', 'retail', 'banking', null])[1 + g % 4],
         (g % 2000),
         (array['web', 'referral', 'partner', 'event', 'other', 'advertisement'])[1 + g % 6],
         ((g % 400) * 100)::numeric(14, 2),
         'USD'
       from generate_series($2::int, $3::int) g`,
      [ctx.workspaceId, from, to]
    )
  }
  // Engagement for one lead in ten: a campaign membership opened, some clicked.
  const campaign = await pool.query(
    `insert into campaigns (workspace_id, name, type, currency) values ($1, 'Bench', 'email', 'USD') returning id`,
    [ctx.workspaceId]
  )
  await pool.query(
    `insert into campaign_members (workspace_id, campaign_id, lead_id, status, sent_at, opened_at, clicked_at)
     select $1, $2, id, 'opened', now() - interval '20 days', now() - interval '10 days',
       case when random() < 0.3 then now() - interval '5 days' end
     from leads where workspace_id = $1 and random() < 0.1`,
    [ctx.workspaceId, campaign.rows[0].id]
  )
  await pool.query('analyze leads')
  await pool.query('analyze campaign_members')
}

/** The baseline: the default fit rules as one CASE sum per row, chunk by chunk. */
async function chunkedUpdate (ctx: BenchContext): Promise<number> {
  const pool = ctx.deps.database.pool
  const free = [...FREE_MAIL]
  let after = '00000000-0000-0000-0000-000000000000'
  let scored = 0
  for (;;) {
    const result = await pool.query(
      `with chunk as (
         select l.id, least(100, greatest(0,
             case when lower(substring(l.email from '@([^@]*)$')) = any($4) then -5 else 10 end
           + case when lower(l.title) ~ '(chief|director|head|vp|vice president|founder|owner)' then 15 else 0 end
           + case when l.source in ('referral', 'partner', 'existing_customer') then 15
                  when l.source in ('web', 'event') then 5 else 0 end
           + case when l.number_of_employees >= 50 then 10 else 0 end
           + case when l.estimated_amount >= 10000 then 15 else 0 end
           + least(40, coalesce(e.points, 0)))) as score
         from leads l
         left join lateral (
           select sum(
               case when m.opened_at is null then 0 else floor(2 * power(0.5,
                 greatest(0, current_date - (m.opened_at at time zone 'UTC')::date) / 30.0) + 0.5) end
             + case when m.clicked_at is null then 0 else floor(5 * power(0.5,
                 greatest(0, current_date - (m.clicked_at at time zone 'UTC')::date) / 30.0) + 0.5) end
             + case when m.responded_at is null then 0 else floor(15 * power(0.5,
                 greatest(0, current_date - (m.responded_at at time zone 'UTC')::date) / 30.0) + 0.5) end
           )::int as points
           from campaign_members m
           where m.workspace_id = l.workspace_id and m.lead_id = l.id and m.deleted_at is null
         ) e on true
         where l.workspace_id = $1 and l.deleted_at is null and l.status <> 'converted' and l.id > $2
         order by l.id limit $3
       ), updated as (
         -- Like ours, a row whose score would not change is not written.
         update leads l set score = c.score, scored_at = now()
         from chunk c where l.id = c.id and l.score is distinct from c.score
         returning l.id
       )
       select (select count(*) from chunk)::int as n, (select max(id::text) from chunk) as last`,
      [ctx.workspaceId, after, CHUNK, free]
    )
    const row = result.rows[0] as { n: number, last: string | null }
    if (row.n === 0 || row.last === null) break
    scored += row.n
    after = row.last
  }
  return scored
}

/** Every lead's score, in id order, hashed: equal digests, equal scores. */
async function scoresDigest (ctx: BenchContext): Promise<string> {
  const result = await ctx.deps.database.pool.query(
    "select md5(string_agg(coalesce(score::text, '-'), ',' order by id)) as digest from leads where workspace_id = $1",
    [ctx.workspaceId]
  )
  return result.rows[0].digest as string
}

async function ours (ctx: BenchContext): Promise<number> {
  const res = await ctx.app.inject({
    method: 'POST', url: '/v1/leads/rescore', headers: { authorization: `Bearer ${ctx.token}` }
  })
  if (res.statusCode !== 202) throw new Error(`rescore answered ${res.statusCode} ${res.body}`)
  const result = await waitForJob(ctx, res.json().id) as { scored: number }
  return result.scored
}

async function main () {
  const ctx = await openBench('rescore')
  try {
    process.stdout.write(`loading ${ROWS.toLocaleString('en-US')} leads...\n`)
    await loadLeads(ctx, ROWS)
    await ctx.startWorkers()
    const baseline: number[] = []
    const measured: number[] = []
    // Each side starts from a vacuumed table: the other's dead rows are not its cost.
    const vacuum = () => ctx.deps.database.pool.query('vacuum (analyze) leads')
    for (let round = 1; round <= ROUNDS; round++) {
      await vacuum()
      const b = await timed(() => chunkedUpdate(ctx))
      const baselineScores = await scoresDigest(ctx)
      process.stdout.write(`  round ${round} baseline ${Math.round(b.perSecond)} leads/s (${b.seconds.toFixed(1)} s)\n`)
      await vacuum()
      const o = await timed(() => ours(ctx))
      process.stdout.write(`  round ${round} ours     ${Math.round(o.perSecond)} leads/s (${o.seconds.toFixed(1)} s, ` +
        `peak heap ${o.heapMb.toFixed(0)} MB)\n`)
      if (o.count !== b.count) throw new Error(`ours scored ${o.count} leads, the baseline ${b.count}`)
      const ourScores = await scoresDigest(ctx)
      if (ourScores !== baselineScores) throw new Error('ours and the baseline wrote different scores')
      baseline.push(b.perSecond)
      measured.push(o.perSecond)
    }
    const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length
    printLines([{
      name: `rescore ${ROWS.toLocaleString('en-US')} leads`,
      units: 'leads/s; baseline: chunked UPDATE of the same scores',
      ours: mean(measured),
      baseline: mean(baseline),
      target: TARGET
    }])
  } finally {
    await ctx.close()
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
