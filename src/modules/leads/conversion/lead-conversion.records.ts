import {
  type CrmError,
  type FieldError,
  InvalidReferenceError,
  withFieldErrors
} from '../../../lib/errors.js'
import { insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { WriteContext } from '../../../lib/records/tenant.js'
import { lockRecord, missingReferences } from '../../../lib/resource/resource.queries.js'
import type { ReferenceTarget, ResourceDefinition, Row } from '../../../lib/resource/resource.js'

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
  await assertReferences(ctx, def, values)
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
  await assertReferences(ctx, def, changes, current)
  return { row: await updateRecord<R>(ctx, def.table, current, changes), filled }
}

/**
 * Every id named must be a live record of the caller's workspace (an owner
 * also an active user); one that is not fails like an id never used, naming
 * the field. The same rule as the generic writes' reference check.
 */
export async function assertReferences (
  ctx: WriteContext,
  def: Pick<ResourceDefinition, 'references'>,
  values: Record<string, unknown>,
  current?: Row
) {
  const named = def.references
    .filter((ref) => typeof values[ref.field] === 'string')
    .filter((ref) => current === undefined || current[ref.field] !== values[ref.field])
    .map((ref) => ({ field: ref.field, target: ref.target(), id: values[ref.field] as string }))
  await assertLive(ctx, named)
}

export interface NamedReference {
  field: string
  target: ReferenceTarget
  id: string
}

/** Refuses, in one problem, every named id that is not a live record of the workspace. */
export async function assertLive (ctx: WriteContext, named: NamedReference[]) {
  const errors: FieldError[] = []
  for (const { field, target, id } of named) {
    const missing = await missingReferences(ctx.tx, target, ctx.tenant.workspaceId, [id])
    if (missing.size === 0) continue
    const why = target.conditionMessage === undefined ? '' : ` (${target.conditionMessage})`
    errors.push({ pointer: `/${field}`, message: `no ${target.name} with id ${id}${why}` })
  }
  if (errors.length > 0) {
    const detail = errors.map((e) => `${e.pointer.slice(1)}: ${e.message}`).join('; ')
    throw withFieldErrors(new InvalidReferenceError(detail), errors)
  }
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
