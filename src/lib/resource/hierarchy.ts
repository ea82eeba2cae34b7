import { sql } from 'drizzle-orm'
import { UnprocessableError, withFieldErrors } from '../errors.js'
import type { WriteContext } from '../records/tenant.js'

/**
 * Refuses a parent that is the record itself or one of its descendants
 * (accounts under accounts, campaigns under campaigns): walks up from the
 * new parent within the workspace and fails if it meets the record.
 */
export async function assertNotOwnAncestor (
  ctx: WriteContext,
  tree: { table: string, parentColumn: string, noun: string, pointer: string },
  id: string,
  parentId: string
) {
  const table = sql.identifier(tree.table)
  const parent = sql.identifier(tree.parentColumn)
  const result = await ctx.tx.execute<{ id: string }>(sql`
    with recursive ancestors(id) as (
      select ${parentId}::uuid
      union
      select r.${parent} from ${table} r join ancestors on r.id = ancestors.id
      where r.workspace_id = ${ctx.tenant.workspaceId} and r.${parent} is not null
    )
    select id from ancestors where id = ${id}::uuid limit 1`)
  if (result.rows.length > 0) {
    const message = `a ${tree.noun} cannot be its own parent or a parent of its parent`
    throw withFieldErrors(new UnprocessableError(message), [{ pointer: tree.pointer, message }])
  }
}
