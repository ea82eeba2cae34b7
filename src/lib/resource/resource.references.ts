import type { WriteContext } from '../records/tenant.js'
import { InvalidReferenceError, withFieldErrors, type FieldError } from '../errors.js'
import { missingReferences } from './resource.queries.js'
import type { ReferenceTarget, ResourceDefinition, Row } from './resource.js'

export interface NamedReference {
  field: string
  target: ReferenceTarget
  id: string
}

/**
 * Refuses, in one problem naming every field, each id that is not a live
 * record of the caller's workspace (or fails the target's condition, such as
 * an active user): one of another workspace fails just like an id never used.
 */
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

/** The references a write sets (and a patch changes) must name live records. */
export async function checkReferences (
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
