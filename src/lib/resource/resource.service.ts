import type { Database } from '../../db/pool.js'
import { ConflictError, PreconditionFailedError } from '../errors.js'
import { deleteRecord, insertRecord, updateRecord } from '../records/record-writer.js'
import type { Tenant, WriteContext } from '../records/tenant.js'
import { notFound } from './resource.errors.js'
import { countInbound, lockRecord } from './resource.queries.js'
import { checkReferences } from './resource.references.js'
import type { ResourceDefinition, Row } from './resource.js'

/**
 * The generic writes of a resource, each one transaction: load and lock,
 * check the precondition and the references, write through the record
 * writer. Module hooks (prepareCreate, prepareUpdate) run inside it.
 */

export async function createResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  body: unknown
): Promise<R> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const values = await def.prepareCreate(ctx, body)
    await checkReferences(ctx, def, values)
    return insertRecord<R>(ctx, def.table, values)
  })
}

export async function updateResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  id: string,
  patch: unknown,
  ifMatch: string | undefined
): Promise<R> {
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    const current = await lockRecord(tx, def, tenant.workspaceId, id)
    if (current === undefined) throw notFound(def, id)
    checkPrecondition(ifMatch, current.version)
    const changes = await def.prepareUpdate(ctx, current, patch)
    await checkReferences(ctx, def, changes, current)
    return updateRecord<R>(ctx, def.table, current, changes)
  })
}

export async function deleteResource<R extends Row> (
  db: Database,
  def: ResourceDefinition<R>,
  tenant: Tenant,
  id: string,
  ifMatch: string | undefined
): Promise<void> {
  await db.transaction(async (tx) => {
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
  })
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
