import type { Database } from '../../db/pool.js'
import { insertDefaultStages } from '../opportunity-stages/opportunity-stages.queries.js'
import { hashPassword } from '../users/users.passwords.js'
import { insertUser, type UserRow } from '../users/users.queries.js'
import { insertWorkspace, type WorkspaceRow } from '../workspaces/workspaces.queries.js'

export interface NewWorkspace {
  workspaceName: string
  name: string
  email: string
  password: string
  currency?: string
  timezone?: string
}

/**
 * A workspace with the default pipeline and its first admin, in one
 * transaction. Sign-up and the demo seed both make workspaces this way.
 */
export async function createWorkspaceWithAdmin (
  db: Database,
  input: NewWorkspace
): Promise<{ user: UserRow, workspace: WorkspaceRow }> {
  const passwordHash = await hashPassword(input.password)
  return db.transaction(async (tx) => {
    const workspace = await insertWorkspace(tx, {
      name: input.workspaceName,
      currency: input.currency ?? 'USD',
      timezone: input.timezone ?? 'UTC'
    })
    await insertDefaultStages(tx, workspace.id)
    const user = await insertUser(tx, {
      workspaceId: workspace.id, email: input.email, name: input.name, role: 'admin', passwordHash
    })
    return { user, workspace }
  })
}
