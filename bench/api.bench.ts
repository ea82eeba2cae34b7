import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Request } from 'autocannon'
import pg from 'pg'
import { runMigrations } from '../src/db/migrate.js'
import { createDatabase } from '../src/db/pool.js'
import { createLogger } from '../src/logger.js'
import { BY_ID, PAGE } from './bare.queries.js'
import type { BareOptions } from './bare.server.js'
import { type BenchConfig, loadBenchConfig } from './bench.config.js'
import { type ServerChild, startChild } from './child.js'
import { loadWorkspace, sampleContactIds } from './contacts.load.js'
import { fixed, rotating, type RunStats, runLoad, type Side } from './measure.js'
import type { OursOptions } from './ours.server.js'
import { describeRun, fmtInt, printTable, type Row, say } from './report.js'
import { createScratchDatabase, dropScratchDatabase } from './scratch-database.js'

/**
 * `npm run bench:api`: our whole API against a bare Fastify + pg baseline,
 * on the same data and with the same load generator, interleaved in one
 * run. Only the ratios mean anything (the machine is small and shared), so
 * nothing here passes or fails on a number; it exits non-zero only when
 * the benchmark itself could not run (setup failed, a side answered errors).
 *
 * Knobs: BENCH_ROWS, BENCH_DURATION, BENCH_CONNECTIONS, and BENCH_WARMUP,
 * BENCH_ROUNDS, BENCH_PIPELINING, BENCH_POOL, BENCH_SAMPLE, BENCH_SCENARIOS
 * (id,page), BENCH_DATABASE(_URL), BENCH_REDIS_URL, BENCH_PROFILE_DIR
 * (write a V8 CPU profile of each server there); see bench.config.ts.
 */

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url))
const REQUEST_TIMEOUT_MS = 30_000
// A generous bound for the load; a million rows take about a minute here.
const LOAD_TIMEOUT_MS = 30 * 60_000

interface Signed {
  token: string
  workspaceId: string
  userId: string
}

interface SignupAnswer {
  accessToken: string
  workspace: { id: string }
  user: { id: string }
}

interface Scenario {
  name: 'id' | 'page'
  label: string
  target: number
  requests: (side: Side['name']) => Request[]
}

async function getJson (port: number, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  })
  const body = await response.text()
  if (response.status !== 200) {
    throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 500)}`)
  }
  return JSON.parse(body)
}

async function signup (port: number, workspaceName: string, email: string): Promise<Signed> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      workspaceName, name: 'Bench Admin', email, password: 'bench-password-0123'
    }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  })
  const body = await response.json() as SignupAnswer
  if (response.status !== 201) {
    throw new Error(`signup answered ${response.status}: ${JSON.stringify(body)}`)
  }
  return { token: body.accessToken, workspaceId: body.workspace.id, userId: body.user.id }
}

async function migrate (url: string) {
  const handle = createDatabase(url, { max: 2, logger: createLogger('silent') })
  try {
    await runMigrations(handle, MIGRATIONS)
  } finally {
    await handle.close()
  }
}

/**
 * The measured workspace gets BENCH_ROWS contacts, a second one a tenth as
 * many, so that every query really has to filter by workspace.
 */
async function load (url: string, primary: Signed, other: Signed, config: BenchConfig) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    // Durability is not under test; the load is faster without fsync waits.
    await client.query('set synchronous_commit = off')
    await client.query(`set statement_timeout = ${LOAD_TIMEOUT_MS}`)
    const started = performance.now()
    const accounts = (rows: number) => Math.max(1, Math.min(5000, Math.ceil(rows / 200)))
    const otherRows = Math.max(1, Math.floor(config.rows / 10))
    const target = (who: Signed, rows: number) => ({
      workspaceId: who.workspaceId, ownerId: who.userId, contacts: rows, accounts: accounts(rows)
    })
    const loaded = await loadWorkspace(client, target(primary, config.rows))
    const loadedOther = await loadWorkspace(client, target(other, otherRows))
    const inserted = performance.now()
    // What autovacuum would have done by the time a table is this big.
    await client.query('vacuum (analyze) contacts, accounts')
    const analyzed = performance.now()
    const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`
    say(
      `loaded ${fmtInt(loaded)} + ${fmtInt(loadedOther)} contacts in ${seconds(started, inserted)}, ` +
      `vacuum analyze ${seconds(inserted, analyzed)}`
    )
    const ids = await sampleContactIds(client, primary.workspaceId, config.sampleSize)
    await showPlans(client, primary.workspaceId, ids[0] as string)
    return ids
  } finally {
    await client.end()
  }
}

/** The plan nodes of the baseline's queries, to see that both use an index. */
async function showPlans (client: pg.Client, workspaceId: string, id: string) {
  const queries = {
    'by id': { text: BY_ID, values: [workspaceId, id] },
    page: { text: PAGE, values: [workspaceId] }
  }
  for (const [name, query] of Object.entries(queries)) {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `explain ${query.text}`,
      query.values
    )
    const nodes = rows
      .map((r) => r['QUERY PLAN'].trim().replace(/^-> +/, '').replace(/ +\(cost=.*$/, ''))
      .filter((line) => !/^[A-Z][A-Za-z ]+:/.test(line))
    say(`plan ${name}: ${nodes.join(' > ')}`)
  }
}

/** Both sides must answer the same rows, or the comparison means nothing. */
async function assertSameAnswers (ours: Side, bare: Side, id: string) {
  const oursPage = await getJson(ours.child.port, '/v1/contacts?limit=50', ours.headers)
  const barePage = await getJson(bare.child.port, '/contacts')
  const ids = (page: { data: { id: string }[] }) => page.data.map((r) => r.id).join(',')
  if (oursPage.data.length === 0 || ids(oursPage) !== ids(barePage)) {
    const sizes = `${oursPage.data.length} and ${barePage.data.length} rows`
    throw new Error(`the two sides list different contacts (${sizes})`)
  }
  const oursOne = await getJson(ours.child.port, `/v1/contacts/${id}`, ours.headers)
  const bareOne = await getJson(bare.child.port, `/contacts/${id}`)
  const same = oursOne.id === bareOne.id && oursOne.lastName === bareOne.last_name &&
    oursOne.email === bareOne.email
  if (!same) {
    throw new Error(`the two sides answer contact ${id} differently`)
  }
}

async function measure (sides: Side[], scenarios: Scenario[], config: BenchConfig): Promise<Row[]> {
  const rows: Row[] = []
  for (const scenario of scenarios) {
    const results: Record<Side['name'], RunStats[]> = { ours: [], bare: [] }
    say(`\n${scenario.label}`)
    if (config.warmup > 0) {
      for (const side of sides) {
        await runLoad(side, scenario.requests(side.name), config, config.warmup)
      }
    }
    for (let round = 1; round <= config.rounds; round++) {
      for (const side of sides) {
        const stats = await runLoad(side, scenario.requests(side.name), config, config.duration)
        results[side.name].push(stats)
        describeRun(scenario.label, side.name, `round ${round}`, stats)
      }
    }
    rows.push({
      scenario: scenario.label, ours: results.ours, bare: results.bare, target: scenario.target
    })
  }
  return rows
}

async function main (config: BenchConfig, children: ServerChild[]) {
  say(
    `bench:api rows=${fmtInt(config.rows)} duration=${config.duration}s warmup=${config.warmup}s ` +
    `rounds=${config.rounds} connections=${config.connections} pipelining=${config.pipelining} ` +
    `pool=${config.poolSize} cores=${availableParallelism()} node=${process.version}`
  )
  const url = await createScratchDatabase(config.adminUrl, config.database)
  await migrate(url)

  const jwtSecret = randomBytes(32).toString('hex')
  const oursOptions: OursOptions = {
    databaseUrl: url, redisUrl: config.redisUrl, poolSize: config.poolSize, jwtSecret
  }
  const ours = await startChild('ours', './ours.server.ts', oursOptions, config.profileDir)
  children.push(ours)
  const primary = await signup(ours.port, 'Bench Inc', 'admin@bench-main.example')
  const other = await signup(ours.port, 'Other Tenant Ltd', 'admin@bench-other.example')

  const ids = await load(url, primary, other, config)
  const bareOptions: BareOptions = {
    databaseUrl: url, poolSize: config.poolSize, workspaceId: primary.workspaceId
  }
  const bare = await startChild('bare', './bare.server.ts', bareOptions, config.profileDir)
  children.push(bare)

  const sides: Side[] = [
    { name: 'ours', child: ours, headers: { authorization: `Bearer ${primary.token}` } },
    { name: 'bare', child: bare, headers: {} }
  ]
  await assertSameAnswers(sides[0] as Side, sides[1] as Side, ids[0] as string)

  const all: Scenario[] = [
    {
      name: 'id',
      label: 'get by id',
      target: 1.0,
      requests: (side) =>
        rotating(ids.map((id) => (side === 'ours' ? `/v1/contacts/${id}` : `/contacts/${id}`)))
    },
    {
      name: 'page',
      label: 'first page (50)',
      target: 0.8,
      requests: (side) => fixed(side === 'ours' ? '/v1/contacts?limit=50' : '/contacts')
    }
  ]
  const rows = await measure(sides, all.filter((s) => config.scenarios.includes(s.name)), config)
  say()
  printTable(rows)
  say('\nratio = ours/bare req/s (mean of rounds); CPU ratio = bare/ours server CPU per request')
}

const config = loadBenchConfig(process.env)
const children: ServerChild[] = []
let cleaning: Promise<void> | undefined

// Servers first: the database cannot be dropped while their pools hold it.
const cleanup = () => (cleaning ??= (async () => {
  await Promise.all(children.map((c) => c.stop().catch(() => {})))
  await dropScratchDatabase(config.adminUrl, config.database).catch((err) => {
    process.stderr.write(`could not drop ${config.database}: ${(err as Error).message}\n`)
  })
})())

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanup().finally(() => process.exit(130))
  })
}

try {
  await main(config, children)
  await cleanup()
} catch (err) {
  process.stderr.write(`bench:api failed: ${(err as Error).stack ?? String(err)}\n`)
  await cleanup()
  process.exitCode = 1
}
