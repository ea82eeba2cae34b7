import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { once } from 'node:events'
import { from as copyFrom } from 'pg-copy-streams'
import { startImport, storeImportFile } from '../../src/modules/imports/imports.start.js'
import { type BenchContext, integerEnv, openBench, printLines, timed, waitForJob } from './workers.setup.js'

/**
 * `npm run bench:import`: an import of BENCH_ROWS contacts (default
 * 1,000,000) from a CSV file through the import job (streamed parse,
 * validation with the API's schema, COPY into a staging table and a
 * set-based merge, checkpoints), against the baseline: plain COPY of the
 * same file straight into the contacts table (same indexes, constraints and
 * foreign keys), with the workspace and owner columns appended on the fly.
 * The baseline loads a second workspace, so both write into a table of the
 * same size. A second, tenth-size import shows whether memory stays flat as
 * the input grows. Only the ratio means anything on a shared machine.
 */

const ROWS = integerEnv(process.env, 'BENCH_ROWS', 1_000_000, 1000, 50_000_000)
const TARGET = 0.6
const HEADER = 'firstName,lastName,email,phone,title,department\n'

async function writeCsv (path: string, rows: number, tag: string) {
  const out = createWriteStream(path)
  out.write(HEADER)
  for (let i = 1; i <= rows; i++) {
    const line = `First${i},Last${i},${tag}${i}@company${i % 997}.example,+49 30 ${1000000 + i},` +
      `${i % 3 === 0 ? 'Head of Sales' : 'Engineer'},${i % 2 === 0 ? 'Sales' : 'R&D'}\n`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

async function copyBaseline (ctx: BenchContext, file: string, workspaceId: string, ownerId: string) {
  const client = await ctx.deps.database.pool.connect()
  try {
    const copy = client.query(copyFrom(
      'copy contacts (first_name, last_name, email, phone, title, department, workspace_id, owner_id) ' +
      'from stdin with (format csv, header true)'
    ))
    let tail = ''
    const appendColumns = new Transform({
      transform (chunk: Buffer, _enc, callback) {
        const text = tail + chunk.toString('utf8')
        const end = text.lastIndexOf('\n')
        tail = text.slice(end + 1)
        const lines = text.slice(0, end + 1)
        callback(null, lines.replaceAll('\n', `,${workspaceId},${ownerId}\n`))
      },
      flush (callback) {
        callback(null, tail === '' ? '' : `${tail},${workspaceId},${ownerId}\n`)
      }
    })
    await pipeline(createReadStream(file), appendColumns, copy)
  } finally {
    client.release()
  }
}

async function ours (ctx: BenchContext, file: string): Promise<number> {
  const stored = await storeImportFile(ctx.deps.config, createReadStream(file))
  const started = await startImport(ctx.deps, {
    workspaceId: ctx.workspaceId,
    createdBy: ctx.userId,
    object: 'contacts',
    format: 'csv',
    mode: 'create',
    dryRun: false,
    fileName: 'contacts.csv',
    ...stored
  })
  if (started.job === null) throw new Error('the import started no job')
  const result = await waitForJob(ctx, started.job.id) as { rowsCreated?: number }
  const [row] = (await ctx.deps.database.pool.query(
    'select rows_created, rows_failed from imports where id = $1', [started.import.id]
  )).rows
  if (row.rows_failed !== 0) throw new Error(`${row.rows_failed} rows failed`)
  return result.rowsCreated ?? row.rows_created
}

async function main () {
  const dir = await mkdtemp(join(tmpdir(), 'crm-bench-import-'))
  const ctx = await openBench('import', { DATA_DIR: dir, IMPORT_MAX_BYTES: String(10 * 2 ** 30) })
  try {
    const small = Math.max(1000, Math.floor(ROWS / 10))
    const files = { small: join(dir, 'small.csv'), large: join(dir, 'large.csv'), baseline: join(dir, 'base.csv') }
    process.stdout.write(`writing ${ROWS.toLocaleString('en-US')} contacts as CSV...\n`)
    await writeCsv(files.large, ROWS, 'c')
    await writeCsv(files.baseline, ROWS, 'c')
    await writeCsv(files.small, small, 's')
    const second = await ctx.deps.database.pool.query(
      "insert into workspaces (name, slug) values ('Baseline', 'baseline-' || gen_random_uuid()) returning id"
    )
    const baselineWorkspace = second.rows[0].id as string
    const owner = await ctx.deps.database.pool.query(
      `insert into users (workspace_id, email, name, role, password_hash)
       values ($1, 'owner-' || gen_random_uuid() || '@example.com', 'Owner', 'admin', 'x') returning id`,
      [baselineWorkspace]
    )
    await ctx.startWorkers()
    const b = await timed(async () => {
      await copyBaseline(ctx, files.baseline, baselineWorkspace, owner.rows[0].id)
      return ROWS
    })
    process.stdout.write(`  baseline COPY  ${Math.round(b.perSecond)} rows/s (${b.seconds.toFixed(1)} s)\n`)
    const o = await timed(() => ours(ctx, files.large))
    process.stdout.write(`  ours           ${Math.round(o.perSecond)} rows/s (${o.seconds.toFixed(1)} s, ` +
      `peak heap ${o.heapMb.toFixed(0)} MB)\n`)
    const s = await timed(() => ours(ctx, files.small))
    process.stdout.write(`  ours, 1/10     ${Math.round(s.perSecond)} rows/s (${s.seconds.toFixed(1)} s, ` +
      `peak heap ${s.heapMb.toFixed(0)} MB)\n`)
    if (o.count !== ROWS) throw new Error(`ours created ${o.count} contacts of ${ROWS}`)
    printLines([{
      name: `import ${ROWS.toLocaleString('en-US')} contacts`,
      units: 'rows/s; baseline: plain COPY into contacts',
      ours: o.perSecond,
      baseline: b.perSecond,
      target: TARGET,
      note: `peak heap ${o.heapMb.toFixed(0)} MB vs ${s.heapMb.toFixed(0)} MB at a tenth of the rows`
    }])
  } finally {
    await ctx.close()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
