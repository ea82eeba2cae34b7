import { eq } from 'drizzle-orm'
import type { ReferenceTarget } from '../../lib/resource/resource.js'
import { users } from './users.table.js'

/** An owner must be an active user of the same workspace. */
export const activeUser = (): ReferenceTarget => ({
  name: 'user',
  table: users,
  condition: eq(users.isActive, true),
  conditionMessage: 'an owner must be an active user of this workspace'
})
