import {
  type CrmError,
  InvalidReferenceError,
  withFieldErrors
} from '../../../lib/errors.js'
import { insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { WriteContext } from '../../../lib/records/tenant.js'
import { lockRecord } from '../../../lib/resource/resource.queries.js'
import { checkReferences } from '../../../lib/resource/resource.references.js'
import type { ResourceDefinition, Row } from '../../../lib/resource/resource.js'

/**
 * Writes of other resources' records made by a conversion. They go through
 * the resource's own prepareCreate and prepareUpdate, so its rules hold (an
 * account's domain, a contact's unique email, an opportunity's stage), then
 * through the same reference check as the generic writes, then the record
 * writer.
 */

export async function createThrough<R extends Row> (
  ctx: WriteContext,
  def: ResourceDefinition<R>,
  body: Record<string, unknown>
): Promise<R> {
  const values = await def.prepareCreate(ctx, body)
  await checkReferences(ctx, def, values)
  return insertRecord<R>(ctx, def.table, values)
}

/**
 * Fills the fields of `current` that are empty (null) with the candidates
 * that are not, and nothing else: what a person typed is never overwritten.
 * Returns the row as it is afterwards and the names of the filled fields.
 */
export async function fillEmpty<R extends Row> (
  ctx: WriteContext,
  def: ResourceDefinition<R>,
  current: R,
  candidates: Record<string, unknown>
): Promise<{ row: R, filled: string[] }> {
  const patch = Object.fromEntries(
    Object.entries(candidates).filter(([k, v]) => current[k] == null && v != null)
  )
  const filled = Object.keys(patch)
  if (filled.length === 0) return { row: current, filled }
  const changes = await def.prepareUpdate(ctx, current, patch)
  await checkReferences(ctx, def, changes, current)
  return { row: await updateRecord<R>(ctx, def.table, current, changes), filled }
}

/**
 * A record the caller names, locked for the rest of the conversion; one that
 * is not a live record of the workspace fails like an id never used.
 */
export async function lockNamed<R extends Row> (
  ctx: WriteContext,
  def: ResourceDefinition<R>,
  field: string,
  id: string
): Promise<R> {
  const row = await lockRecord(ctx.tx, def, ctx.tenant.workspaceId, id)
  if (row !== undefined) return row
  const message = `no ${def.name} with id ${id}`
  throw withFieldErrors(
    new InvalidReferenceError(`${field}: ${message}`),
    [{ pointer: `/${field}`, message }]
  )
}

/**
 * Runs `write` and moves the field pointers of what it throws under
 * `prefix`: the opportunity's own rules point at `/stage`, which in the
 * conversion body is `/opportunity/stage`.
 */
export async function pointingUnder<T> (prefix: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    const coded = error as Partial<CrmError>
    if (Array.isArray(coded.errors)) {
      coded.errors = coded.errors.map((e) => ({ ...e, pointer: `${prefix}${e.pointer}` }))
    }
    throw error
  }
}
