import { ForbiddenError } from '../../lib/errors.js'
import type { Role } from '../../lib/records/tenant.js'

/**
 * The role rules of the domain, in one place. Every role reads every record
 * resource; writes follow this table. Users and API keys are the admin's.
 */
export type Action = 'read' | 'write'
export interface Permission { resource: string, action: Action }

const EVERYONE: readonly Role[] = ['admin', 'manager', 'sales', 'marketing', 'support', 'readonly']

const WRITERS: Record<string, readonly Role[]> = {
  accounts: ['admin', 'manager', 'sales', 'support'],
  contacts: ['admin', 'manager', 'sales', 'marketing', 'support'],
  leads: ['admin', 'manager', 'sales', 'marketing'],
  opportunities: ['admin', 'manager', 'sales'],
  products: ['admin', 'manager'],
  cases: ['admin', 'manager', 'support'],
  campaigns: ['admin', 'manager', 'marketing'],
  'opportunity-stages': ['admin'],
  // Conversion makes accounts, contacts and opportunities as well as changing the lead.
  'lead-conversion': ['admin', 'manager', 'sales'],
  // Scoring rules shape every lead's score; marketing owns them with the managers.
  'lead-scoring': ['admin', 'manager', 'marketing'],
  // A schedule writes on its own, over and over: managers and admins only.
  'import-schedules': ['admin', 'manager'],
  users: ['admin'],
  'api-keys': ['admin'],
  workspace: ['admin']
}

const READERS: Record<string, readonly Role[]> = {
  'api-keys': ['admin']
}

export function isAllowed (role: Role, permission: Permission): boolean {
  const table = permission.action === 'read' ? READERS : WRITERS
  const roles = table[permission.resource] ?? (permission.action === 'read' ? EVERYONE : [])
  return roles.includes(role)
}

export function assertAllowed (role: Role, permission: Permission) {
  if (!isAllowed(role, permission)) {
    const verb = permission.action === 'read' ? 'read' : 'change'
    throw new ForbiddenError(`the ${role} role may not ${verb} ${permission.resource}`)
  }
}

/** The roles a role may hand out (API keys): itself and those below it. */
const RANK: Record<Role, number> = { admin: 5, manager: 4, sales: 2, marketing: 2, support: 2, readonly: 1 }

export function canGrant (granter: Role, role: Role): boolean {
  return granter === role || RANK[granter] > RANK[role]
}

export { EVERYONE as ALL_ROLES }
