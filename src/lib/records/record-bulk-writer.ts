import type { ClientBase } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

/**
 * The bulk counterpart of the record writer: the one place where staged
 * rows are merged into a workspace table set-based (imports today). Rows
 * are streamed with COPY into a temporary staging table that lives for the
 * caller's transaction, checked there with a few statements over the whole
 * batch (references, keys, frozen records), then written with one
 * INSERT ... SELECT and one UPDATE ... FROM per pass: no statement per row.
 *
 * The writes here do not call the record writer's change listeners
 * (`onRecordChange`): calling one per row would undo the point of the
 * batch. The one listener on a table imports write, lead scoring's on
 * leads, is served in bulk instead: a lead import asks once for a rescore
 * of its workspace (imports.run.ts). Listeners that must see every bulk
 * write (webhooks, the audit trail) are to hook in here, where the
 * inserted and updated ids can come back from the RETURNING clauses.
 */

/** A column the staged rows give, in staging order. */
export interface BulkColumn {
  /** The table's column (snake_case). */
  name: string
  /** Its SQL type, for the staging table: text, uuid, integer, numeric(14, 2), jsonb… */
  type: string
  /**
   * How a given value meets the stored one on update: replaced (the
   * default), or, for a JSON object of parts (an address), merged part by
   * part into `template` (every part null), null when every part is null.
   */
  parts?: { template: string }
}

/** A column that must name a live row of the workspace. */
export interface BulkReference {
  column: string
  field: string
  table: string
  /** The target's name in messages: account, user. */
  noun: string
  /** Extra SQL condition on the target row, alias `r` (an active user). */
  condition?: string
  /** Why a row failing `condition` is refused. */
  conditionMessage?: string
}

export interface BulkMergeSpec {
  /** The workspace table written to. */
  table: string
  workspaceId: string
  columns: readonly BulkColumn[]
  /**
   * create: every row is inserted; a row `onConflict` refuses is skipped.
   * upsert: a row whose `key` matches one live record updates it with the
   * columns it gives; a row matching none is inserted.
   */
  mode: 'create' | 'upsert'
  /** SQL of the key on a staged row (alias `s`) and on a stored row (alias `t`). */
  key?: { staged: string, stored: string }
  /** The conflict target of a unique index, for `on conflict ... do nothing`. */
  onConflict?: string
  references?: readonly BulkReference[]
  /** Stored rows that no longer change (a converted lead), alias `t`; `message` builds SQL text from the id's SQL. */
  frozen?: { condition: string, message: (id: string) => string }
  /** Pairs of columns that are never both set on the row as it will be. */
  exclusive?: readonly { columns: readonly [string, string], message: string }[]
  /** A parent column of the table itself: no record may become its own ancestor. */
  tree?: { parent: string, message: string }
  /** createdAt and updatedAt of the written rows. */
  now: Date
}

/** One row to merge: its number in the source, which columns it gives (bit i: column i), the values. */
export interface StagedRow {
  rowNumber: number
  given: number
  values: readonly unknown[]
}

/**
 * The rows of one merge, encoded for COPY as they are added, so that the
 * encoding happens while the previous batch is still being written.
 */
export class StagedRows {
  private readonly lines: string[] = []

  add (row: StagedRow) {
    let line = `${row.rowNumber}\t${row.given}`
    for (const value of row.values) line += `\t${copyValue(value)}`
    this.lines.push(line)
  }

  get length (): number {
    return this.lines.length
  }

  /** The COPY text of every row. */
  text (): string {
    return `${this.lines.join('\n')}\n`
  }
}

export interface BulkOutcome {
  created: number
  updated: number
  /** Matched and unchanged, or (create) refused by the unique index. */
  skipped: number
  failures: { rowNumber: number, reason: string }[]
}

const STAGE = 'bulk_stage'
/** Bits of the `given` mask; JavaScript's bitwise operators stop at 31. */
export const MAX_BULK_COLUMNS = 30

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`
const literal = (text: string) => `'${text.replaceAll('\'', '\'\'')}'`
const bit = (i: number) => `(s.given & ${2 ** i}) <> 0`

/**
 * Merges `rows` into `spec.table` inside the caller's open transaction on
 * `client` (which also writes the caller's own bookkeeping, so both commit
 * together). Failed rows are listed with their reason, in row order; no
 * row is written twice, and a failed row writes nothing.
 */
export async function mergeStagedRows (
  client: ClientBase,
  spec: BulkMergeSpec,
  rows: StagedRows
): Promise<BulkOutcome> {
  if (spec.columns.length > MAX_BULK_COLUMNS) throw new Error('too many columns for one bulk merge')
  const outcome: BulkOutcome = { created: 0, updated: 0, skipped: 0, failures: [] }
  if (rows.length === 0) return outcome
  await createStage(client, spec)
  await copyRows(client, spec, rows)
  const merge = new Merge(client, spec)
  const passes = spec.mode === 'upsert' ? await merge.assignPasses() : 1
  for (let pass = 1; pass <= passes; pass++) {
    if (spec.mode === 'upsert') {
      await merge.match(pass)
      await merge.checkReferences(pass)
      await merge.checkExclusive(pass)
      outcome.updated += await merge.update(pass)
    } else {
      await merge.checkReferences(pass)
      await merge.checkExclusive(pass)
    }
    outcome.created += await merge.insert(pass)
  }
  const { rows: failed } = await client.query<{ rn: number, error: string }>(
    `select rn, error from ${STAGE} where error is not null order by rn`
  )
  outcome.failures = failed.map((r) => ({ rowNumber: r.rn, reason: r.error }))
  outcome.skipped = rows.length - outcome.created - outcome.updated - failed.length
  return outcome
}

async function createStage (client: ClientBase, spec: BulkMergeSpec) {
  const columns = spec.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')
  await client.query(
    `create temp table ${STAGE} (rn integer not null, given integer not null, ` +
    'pass integer not null default 1, new_id uuid not null default gen_random_uuid(), ' +
    `target_id uuid, error text, ${columns}) on commit drop`
  )
}

async function copyRows (client: ClientBase, spec: BulkMergeSpec, rows: StagedRows) {
  const names = ['rn', 'given', ...spec.columns.map((c) => ident(c.name))].join(', ')
  const stream = client.query(copyFrom(`copy ${STAGE} (${names}) from stdin`))
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve)
    stream.on('error', reject)
    stream.end(rows.text())
  })
}

const SPECIAL = /[\\\t\n\r]/

/** A value in COPY's text format: \N for null, backslash escapes, JSON for objects. */
export function copyValue (value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'number') return String(value)
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if (!SPECIAL.test(text)) return text
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('\t', '\\t')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
}

/** The statements of one merge, over the staging table (alias `s`) and the target (alias `t`). */
class Merge {
  private readonly table: string
  constructor (private readonly client: ClientBase, private readonly spec: BulkMergeSpec) {
    this.table = ident(spec.table)
  }

  private query<R extends Record<string, unknown> = Record<string, unknown>> (text: string, values: unknown[] = []) {
    return this.client.query<R>(text, values)
  }

  /** Rows sharing a key go in successive passes, so a later row sees what an earlier one wrote. */
  async assignPasses (): Promise<number> {
    const key = this.keyOf()
    await this.query(
      `update ${STAGE} s set pass = r.pass from (` +
      `select rn, row_number() over (partition by ${key.staged} order by rn) as pass ` +
      `from ${STAGE} s where ${key.staged} is not null) r ` +
      'where s.rn = r.rn and r.pass > 1'
    )
    const { rows } = await this.query(`select coalesce(max(pass), 1) as passes from ${STAGE}`)
    return Number(rows[0]?.passes ?? 1)
  }

  private keyOf () {
    if (this.spec.key === undefined) throw new Error('an upsert needs a key')
    return this.spec.key
  }

  /** The live record each row of the pass names by its key; none, one, or (refused) several. */
  async match (pass: number) {
    const key = this.keyOf()
    const frozen = this.spec.frozen
    const isFrozen = frozen === undefined ? 'false' : `bool_or(${frozen.condition})`
    const frozenMessage = frozen === undefined ? 'null' : frozen.message('m.id')
    await this.query(
      `update ${STAGE} s set target_id = m.id, error = case ` +
      `when m.n > 1 then m.n || ' records of this workspace have this key; an upsert must match at most one' ` +
      `when m.frozen then ${frozenMessage} end ` +
      'from (' +
      `select s.rn, (array_agg(t.id))[1] as id, count(*) as n, ${isFrozen} as frozen ` +
      `from ${STAGE} s join ${this.table} t on t.workspace_id = $1 and t.deleted_at is null ` +
      `and ${key.stored} = ${key.staged} ` +
      'where s.pass = $2 and s.error is null group by s.rn' +
      ') m where s.rn = m.rn',
      [this.spec.workspaceId, pass]
    )
  }

  /**
   * Every reference a row sets must name a live row of the workspace (and
   * meet the target's condition). A column an update does not give keeps
   * its stored value and is not checked. The targets found are locked FOR
   * SHARE, so a concurrent delete waits for this transaction.
   */
  async checkReferences (pass: number) {
    for (const ref of this.spec.references ?? []) {
      const i = this.columnIndex(ref.column)
      const column = `s.${ident(ref.column)}`
      const why = ref.conditionMessage === undefined ? '' : ` (${ref.conditionMessage})`
      const message = `${literal(`${ref.field}: no ${ref.noun} with id `)} || ${column} || ${literal(why)}`
      const condition = ref.condition === undefined ? '' : ` and ${ref.condition}`
      const target = ident(ref.table)
      await this.query(
        `with live as (select r.id from ${target} r where r.workspace_id = $1 and r.deleted_at is null` +
        `${condition} and r.id in (select ${column} from ${STAGE} s where s.pass = $2) for share of r) ` +
        `update ${STAGE} s set error = ${message} ` +
        `where s.pass = $2 and s.error is null and ${column} is not null ` +
        `and (s.target_id is null or ${bit(i)}) ` +
        'and not exists (select 1 from live where live.id = ' + column + ')',
        [this.spec.workspaceId, pass]
      )
    }
  }

  /** The value a column will have once the row is written: given, or else stored. */
  private merged (i: number): string {
    const column = this.spec.columns[i] as BulkColumn
    const staged = `s.${ident(column.name)}`
    if (this.spec.mode === 'create') return staged
    return `case when t.id is null or ${bit(i)} then ${staged} else t.${ident(column.name)} end`
  }

  async checkExclusive (pass: number) {
    for (const rule of this.spec.exclusive ?? []) {
      const [a, b] = rule.columns.map((c) => this.columnIndex(c)) as [number, number]
      await this.query(
        `update ${STAGE} x set error = ${literal(rule.message)} from (` +
        `select s.rn from ${STAGE} s left join ${this.table} t on t.id = s.target_id and t.workspace_id = $1 ` +
        `where s.pass = $2 and s.error is null ` +
        `and ${this.merged(a)} is not null and ${this.merged(b)} is not null` +
        ') v where x.rn = v.rn',
        [this.spec.workspaceId, pass]
      )
    }
  }

  private columnIndex (name: string): number {
    const i = this.spec.columns.findIndex((c) => c.name === name)
    if (i < 0) throw new Error(`column ${name} is not staged`)
    return i
  }

  /** What a new row stores in column i. */
  private insertValue (i: number): string {
    const column = this.spec.columns[i] as BulkColumn
    const staged = `s.${ident(column.name)}`
    if (column.parts === undefined) return staged
    return partsValue(`${literal(column.parts.template)}::jsonb || ${staged}`, staged)
  }

  /** What an updated row stores in column i. */
  private updateValue (i: number): string {
    const column = this.spec.columns[i] as BulkColumn
    const staged = `s.${ident(column.name)}`
    const stored = `t.${ident(column.name)}`
    const value = column.parts === undefined
      ? staged
      : partsValue(`coalesce(${stored}, ${literal(column.parts.template)}::jsonb) || ${staged}`, staged)
    return `case when ${bit(i)} then ${value} else ${stored} end`
  }

  /** Updates the matched records of the pass that the row changes; answers how many. */
  async update (pass: number): Promise<number> {
    const tree = this.spec.tree
    if (tree !== undefined) await this.checkTree(pass, tree)
    const sets = this.spec.columns.map((c, i) => `${ident(c.name)} = ${this.updateValue(i)}`)
    const before = this.spec.columns.map((c) => `t.${ident(c.name)}`).join(', ')
    const after = this.spec.columns.map((_c, i) => this.updateValue(i)).join(', ')
    const run = async () => {
      const { rows } = await this.query(
        `with changed as (update ${this.table} t set ${sets.join(', ')}, ` +
        'updated_at = $3, version = t.version + 1 ' +
        `from ${STAGE} s where s.pass = $2 and s.error is null and s.target_id = t.id ` +
        `and t.workspace_id = $1 and row(${before}) is distinct from row(${after}) ` +
        'returning t.id) select count(*)::int as n from changed',
        [this.spec.workspaceId, pass, this.spec.now]
      )
      return Number(rows[0]?.n ?? 0)
    }
    if (tree === undefined) return run()
    // Two rows of one pass can close a loop that neither makes alone (A under
    // B, B under A): written in a savepoint, checked, and undone with the
    // rows of the loop refused.
    await this.query('savepoint bulk_tree')
    let updated = await run()
    const looped = await this.loopedRows(pass, tree.parent)
    if (looped.length > 0) {
      await this.query('rollback to savepoint bulk_tree')
      await this.query(
        `update ${STAGE} set error = ${literal(tree.message)} where rn = any($1::int[])`,
        [looped]
      )
      updated = await run()
    }
    await this.query('release savepoint bulk_tree')
    return updated
  }

  /** Refuses a new parent that is the record itself or one of its descendants, as stored. */
  private async checkTree (pass: number, tree: { parent: string, message: string }) {
    const i = this.columnIndex(tree.parent)
    const parent = ident(tree.parent)
    await this.query(
      'with recursive up(rn, target, id, depth) as (' +
      `select s.rn, s.target_id, s.${parent}, 0 from ${STAGE} s where s.pass = $2 and s.error is null ` +
      `and s.target_id is not null and ${bit(i)} and s.${parent} is not null ` +
      `union all select up.rn, up.target, r.${parent}, up.depth + 1 from up ` +
      `join ${this.table} r on r.id = up.id and r.workspace_id = $1 ` +
      `where up.id <> up.target and r.${parent} is not null and up.depth < 10000) ` +
      `update ${STAGE} s set error = ${literal(tree.message)} ` +
      'from (select distinct rn from up where id = target) c where s.rn = c.rn',
      [this.spec.workspaceId, pass]
    )
  }

  /** The rows of the pass whose record is now its own ancestor. */
  private async loopedRows (pass: number, column: string): Promise<number[]> {
    const parent = ident(column)
    const i = this.columnIndex(column)
    const { rows } = await this.query<{ rn: number }>(
      'with recursive up(rn, target, id, depth) as (' +
      `select s.rn, s.target_id, r.${parent}, 0 from ${STAGE} s ` +
      `join ${this.table} r on r.id = s.target_id and r.workspace_id = $1 ` +
      `where s.pass = $2 and s.error is null and ${bit(i)} and r.${parent} is not null ` +
      `union all select up.rn, up.target, r.${parent}, up.depth + 1 from up ` +
      `join ${this.table} r on r.id = up.id and r.workspace_id = $1 ` +
      `where up.id <> up.target and r.${parent} is not null and up.depth < 10000) ` +
      'select distinct rn from up where id = target',
      [this.spec.workspaceId, pass]
    )
    return rows.map((r) => r.rn)
  }

  /** Inserts the rows of the pass that matched nothing; answers how many were written. */
  async insert (pass: number): Promise<number> {
    const names = this.spec.columns.map((c) => ident(c.name)).join(', ')
    const values = this.spec.columns.map((_c, i) => this.insertValue(i)).join(', ')
    const conflict = this.spec.onConflict === undefined ? '' : ` on conflict ${this.spec.onConflict} do nothing`
    const { rows } = await this.query(
      `with inserted as (insert into ${this.table} ` +
      `(id, workspace_id, created_at, updated_at, version, ${names}) ` +
      `select s.new_id, $1, $3, $3, 1, ${values} from ${STAGE} s ` +
      `where s.pass = $2 and s.error is null and s.target_id is null order by s.rn${conflict} ` +
      'returning 1) select count(*)::int as n from inserted',
      [this.spec.workspaceId, pass, this.spec.now]
    )
    return Number(rows[0]?.n ?? 0)
  }
}

/** An object of parts, or null when it is SQL null or every part is null. */
function partsValue (merged: string, staged: string): string {
  return `case when ${staged} is null or jsonb_strip_nulls(${merged}) = '{}'::jsonb then null else ${merged} end`
}
