import { and, count, eq, ne } from 'drizzle-orm'
import { registerUniqueConstraint } from '../../lib/constraints.js'
import { ConflictError } from '../../lib/errors.js'
import { scoped, type WriteContext } from '../../lib/records/tenant.js'
import { pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { hashPassword } from './users.passwords.js'
import { CreateUserBodySchema, UpdateUserBodySchema, UserSchema } from './users.schemas.js'
import { users, usersSearch } from './users.table.js'
import { ROLES } from '../../lib/records/tenant.js'

type UserRow = typeof users.$inferSelect & Row

registerUniqueConstraint('users_email_key', {
  pointer: '/email',
  message: 'a user with this email already exists',
  code: 'CRM_USER_EMAIL_TAKEN'
})

/** A workspace always keeps one active admin, or nobody could manage it. */
async function assertAnotherAdmin (ctx: WriteContext, id: string) {
  const [row] = await ctx.tx
    .select({ n: count() })
    .from(users)
    .where(scoped(
      users,
      ctx.tenant.workspaceId,
      and(eq(users.role, 'admin'), eq(users.isActive, true), ne(users.id, id))
    ))
  if ((row?.n ?? 0) === 0) {
    throw new ConflictError('the workspace must keep at least one active admin')
  }
}

export const userResource: ResourceDefinition<UserRow> = {
  name: 'user',
  plural: 'users',
  code: 'USER',
  noun: 'User',
  nounPlural: 'Users',
  tag: 'Users',
  table: users,
  schemas: { record: UserSchema, create: CreateUserBodySchema, update: UpdateUserBodySchema },
  descriptions: {
    create: 'Adds a user to the workspace (admins only). ' +
      'Emails are unique across the whole system.',
    update: 'Changes a user (admins only). `isActive: false` blocks sign-in and ' +
      'the user\'s API keys; access tokens already issued stay valid until they expire. ' +
      'The last active admin cannot be demoted or deactivated (409).'
  },
  sortable: {
    createdAt: { column: users.createdAt, kind: 'timestamp', nullable: false },
    name: { column: users.name, kind: 'text', nullable: false },
    email: { column: users.email, kind: 'text', nullable: false }
  },
  filters: [
    { kind: 'enum', name: 'role', column: users.role, values: ROLES },
    { kind: 'boolean', name: 'isActive', column: users.isActive }
  ],
  search: usersSearch(users),
  searchDescription: 'words to find in name or email',
  references: [],
  referencedBy: [],
  toDto: (row) => recordToDto(UserSchema, row),
  async prepareCreate (_ctx, body) {
    const input = body as { email: string, name: string, role: string, password: string }
    return {
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password)
    }
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as { password?: string, role?: string, isActive?: boolean }
    const values = pickFields(patch as Record<string, unknown>, ['name', 'role', 'isActive'])
    const demoted = input.role !== undefined && input.role !== 'admin'
    if (current.role === 'admin' && (demoted || input.isActive === false)) {
      await assertAnotherAdmin(ctx, current.id)
    }
    if (input.password !== undefined) values.passwordHash = await hashPassword(input.password)
    return values
  }
}
