import type { Logger } from 'pino'
import type { Database } from '../../db/pool.js'
import type { AppDeps } from '../../deps.js'
import { ConflictError, PreconditionFailedError } from '../errors.js'
import { deleteRecord, insertRecord, updateRecord } from '../records/record-writer.js'
import type { Tenant, WriteContext } from '../records/tenant.js'
import { notFound } from './resource.errors.js'
import { countInbound, lockRecord } from './resource.queries.js'
import { checkReferences } from './resource.references.js'
import type { ResourceChange, ResourceDefinition, Row } from './resource.js'

/**
 * The generic writes of a resource, each one transaction: load and lock,
 * check the precondition and the references, write through the record
 * writer. Module hooks (prepareCreate, prepareUpdate) run inside it; the
 * afterCommit hook runs after it has committed.
 */

/**
 * What a write needs to run its resource's afterCommit hook: the app's
 * dependencies, and the log (the request's) that a failing hook goes to.
 */
export interface AfterCommitContext {
  deps: AppDeps
  log: Pick<Logger, 'warn'>
}

export async function createResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  body: unknown,
  after?: AfterCommitContext
): Promise<R> {
  requireContext(def, after)
  const row = await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const values = await def.prepareCreate(ctx, body)
    await checkReferences(ctx, def, values)
    return insertRecord<R>(ctx, def.table, values)
  })
  await runAfterCommit(def, tenant, { kind: 'create', id: row.id, row }, after)
  return row
}

export async function updateResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  id: string,
  patch: unknown,
  ifMatch: string | undefined,
  after?: AfterCommitContext
): Promise<R> {
  requireContext(def, after)
  const { before, row } = await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const current = await lockRecord(tx, def, tenant.workspaceId, id)
    if (current === undefined) throw notFound(def, id)
    checkPrecondition(ifMatch, current.version)
    const changes = await def.prepareUpdate(ctx, current, patch)
    await checkReferences(ctx, def, changes, current)
    return { before: current, row: await updateRecord<R>(ctx, def.table, current, changes) }
  })
  await runAfterCommit(def, tenant, { kind: 'update', id, before, row }, after)
  return row
}

export async function deleteResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  id: string,
  ifMatch: string | undefined,
  after?: AfterCommitContext
): Promise<void> {
  requireContext(def, after)
  const before = await db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const current = await lockRecord(tx, def, tenant.workspaceId, id)
    if (current === undefined) throw notFound(def, id)
    checkPrecondition(ifMatch, current.version)
    await def.prepareDelete?.(ctx, current)
    const inbound = await countInbound(tx, def, tenant.workspaceId, id)
    if (inbound.length > 0) {
      const list = inbound.map((r) => `${r.count} ${r.label}`).join(', ')
      throw new ConflictError(`${def.name} ${id} is still referenced by ${list}; remove those references first`)
    }
    await deleteRecord(ctx, def.table, current)
    return current
  })
  await runAfterCommit(def, tenant, { kind: 'delete', id, before }, after)
}

/**
 * A resource with an afterCommit hook is written with the context to run
 * it, or not at all: a write that skipped its hook would leave what the
 * hook keeps in step behind, silently.
 */
function requireContext<R extends Row> (def: ResourceDefinition<R>, after: AfterCommitContext | undefined) {
  if (def.afterCommit !== undefined && after === undefined) {
    throw new Error(`a write of ${def.name} needs the app's deps to run its afterCommit hook`)
  }
}

/**
 * The hook, once the transaction has committed. The write is done whatever
 * the hook says: failing the request now would invite a retry of a write
 * that stands, so a failure is logged instead.
 */
async function runAfterCommit<R extends Row> (
  def: ResourceDefinition<R>,
  tenant: Tenant,
  change: ResourceChange<R>,
  after: AfterCommitContext | undefined
): Promise<void> {
  if (def.afterCommit === undefined || after === undefined) return
  try {
    await def.afterCommit(after.deps, tenant, change)
  } catch (err) {
    after.log.warn(
      { err, resource: def.name, id: change.id, change: change.kind },
      'afterCommit hook failed; the committed write stands'
    )
  }
}

/** ETags are the version in quotes; If-Match may list several, or be `*`. */
export function etag (version: number): string {
  return `"${version}"`
}

export function checkPrecondition (ifMatch: string | undefined, version: number) {
  if (ifMatch === undefined) return
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''))
  if (tags.includes('*') || tags.includes(etag(version))) return
  throw new PreconditionFailedError(ifMatch, etag(version))
}
