import nodemailer from 'nodemailer'
import { startSmtpSink } from '../../test/fixtures/smtp-sink.js'
import { type BenchContext, integerEnv, openBench, printLines, timed, waitForJob } from './workers.setup.js'

/**
 * `npm run bench:send`: a campaign send to BENCH_ROWS members (default
 * 100,000) through the API and the `campaign.send` worker (claims, rendering,
 * tracking links, outcomes recorded in PostgreSQL), against the baseline: the
 * same number of already-rendered messages of the same size delivered with
 * a bare pooled nodemailer transport, 5 connections and 10 messages in
 * flight like the worker, to the same local SMTP sink. Only the ratio
 * means anything on a shared machine.
 */

const ROWS = integerEnv(process.env, 'BENCH_ROWS', 100_000, 100, 5_000_000)
const TARGET = 0.5
const CONNECTIONS = 5
const IN_FLIGHT = 10
const HTML = '<p>Dear {{firstName}} {{lastName}} of {{company}},</p>' +
  '<p>Our spring catalogue is out: <a href="https://shop.example.com/spring">see it here</a>.</p>' +
  '<p>Questions? <a href="https://shop.example.com/contact">Write to us</a>.</p>'
const TEXT = 'Dear {{firstName}} {{lastName}} of {{company}},\nOur spring catalogue is out.'

async function loadMembers (ctx: BenchContext, rows: number): Promise<string> {
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { authorization: `Bearer ${ctx.token}` },
    payload: {
      name: 'Bench send', type: 'email', currency: 'USD', subject: 'Spring for {{firstName}}',
      fromName: 'Shop', fromEmail: 'news@shop.example.com', htmlBody: HTML, textBody: TEXT,
      sendRatePerSecond: 10000
    }
  })
  if (created.statusCode !== 201) throw new Error(`campaign create answered ${created.statusCode} ${created.body}`)
  const campaignId = created.json().id as string
  const pool = ctx.deps.database.pool
  for (let from = 1; from <= rows; from += 50_000) {
    const to = Math.min(rows, from + 49_999)
    await pool.query(
      `with l as (
         insert into leads (workspace_id, first_name, last_name, email, company, currency)
         select $1, 'First' || g, 'Last' || g, 'reader' || g || '@inbox.example', 'Company ' || (g % 100), 'USD'
         from generate_series($2::int, $3::int) g
         returning id
       )
       insert into campaign_members (workspace_id, campaign_id, lead_id) select $1, $4, id from l`,
      [ctx.workspaceId, from, to, campaignId]
    )
  }
  return campaignId
}

async function ours (ctx: BenchContext, campaignId: string): Promise<number> {
  const res = await ctx.app.inject({
    method: 'POST', url: `/v1/campaigns/${campaignId}/send`, headers: { authorization: `Bearer ${ctx.token}` },
    payload: {}
  })
  if (res.statusCode !== 202) throw new Error(`send answered ${res.statusCode} ${res.body}`)
  const result = await waitForJob(ctx, res.json().id) as { sent: number }
  return result.sent
}

async function baseline (url: string, rows: number): Promise<number> {
  const transport = nodemailer.createTransport({ url, pool: true, maxConnections: CONNECTIONS, maxMessages: 1000 })
  const body = HTML.replaceAll('{{firstName}}', 'First').replaceAll('{{lastName}}', 'Last')
    .replaceAll('{{company}}', 'Company')
  let next = 0
  let sent = 0
  const lane = async () => {
    while (next < rows) {
      const i = next++
      await transport.sendMail({
        from: '"Shop" <news@shop.example.com>',
        to: `raw${i}@inbox.example`,
        subject: `Spring for First${i}`,
        html: body,
        text: TEXT,
        messageId: `<raw.${i}@shop.example.com>`
      })
      sent++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  transport.close()
  return sent
}

async function main () {
  const sink = await startSmtpSink({ headersOnly: true })
  // The sink keeps nothing: a count per run is all the benchmark needs.
  const ctx = await openBench('send', { SMTP_URL: sink.url })
  try {
    process.stdout.write(`loading ${ROWS.toLocaleString('en-US')} members...\n`)
    const campaignId = await loadMembers(ctx, ROWS)
    await ctx.startWorkers()
    const b = await timed(() => baseline(sink.url, ROWS))
    sink.messages.length = 0
    process.stdout.write(`  baseline ${Math.round(b.perSecond)} messages/s (${b.seconds.toFixed(1)} s)\n`)
    const o = await timed(() => ours(ctx, campaignId))
    const received = sink.messages.length
    sink.messages.length = 0
    process.stdout.write(`  ours     ${Math.round(o.perSecond)} messages/s (${o.seconds.toFixed(1)} s, ` +
      `peak heap ${o.heapMb.toFixed(0)} MB, sink received ${received})\n`)
    if (o.count !== ROWS || received !== ROWS) throw new Error(`ours sent ${o.count}, the sink got ${received}`)
    printLines([{
      name: `send to ${ROWS.toLocaleString('en-US')} members`,
      units: 'messages/s; baseline: pooled nodemailer, pre-rendered',
      ours: o.perSecond,
      baseline: b.perSecond,
      target: TARGET
    }])
  } finally {
    await ctx.close()
    await sink.close()
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
