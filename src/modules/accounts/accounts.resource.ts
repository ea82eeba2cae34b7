import type { WriteContext } from '../../lib/records/tenant.js'
import { assertNotOwnAncestor } from '../../lib/resource/hierarchy.js'
import {
  createAddresses,
  domainOf,
  moneyFields,
  patchAddresses,
  pickFields
} from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { cases } from '../cases/cases.table.js'
import { contacts } from '../contacts/contacts.table.js'
import { leads } from '../leads/leads.table.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import { products } from '../products/products.table.js'
import { activeUser } from '../users/users.references.js'
import { type Account, ACCOUNT_TYPES, accountSchemas } from './accounts.schemas.js'
import { accounts, accountsSearch } from './accounts.table.js'

type AccountRow = typeof accounts.$inferSelect & Row

const PLAIN = [
  'name', 'website', 'industry', 'type', 'phone', 'email', 'annualRevenue', 'currency',
  'numberOfEmployees', 'parentAccountId', 'ownerId', 'description'
] as const
const ADDRESSES = ['billingAddress', 'shippingAddress'] as const

export const accountTarget = () => ({ name: 'account', table: accounts })

const TREE = { table: 'accounts', parentColumn: 'parent_account_id', noun: 'account', pointer: '/parentAccountId' }
const assertNoCycle = (ctx: WriteContext, id: string, parentId: string) =>
  assertNotOwnAncestor(ctx, TREE, id, parentId)

export const accountResource: ResourceDefinition<AccountRow, Account> = {
  name: 'account',
  plural: 'accounts',
  wording: { aName: 'an account' },
  code: 'ACCOUNT',
  noun: 'Account',
  nounPlural: 'Accounts',
  tag: 'Accounts',
  table: accounts,
  schemas: accountSchemas,
  descriptions: {
    create: 'Creates an account. `domain` is derived from `website`; `ownerId` defaults to the caller.',
    delete: 'Deletes the account. An account that live contacts, opportunities, cases, child accounts, ' +
      'products (as vendor) or converted leads still refer to is not deleted: the answer is 409 and names them.'
  },
  sortable: {
    createdAt: { column: accounts.createdAt, kind: 'timestamp', nullable: false },
    updatedAt: { column: accounts.updatedAt, kind: 'timestamp', nullable: false },
    name: { column: accounts.name, kind: 'text', nullable: false },
    annualRevenue: { column: accounts.annualRevenue, kind: 'number', nullable: true },
    numberOfEmployees: { column: accounts.numberOfEmployees, kind: 'number', nullable: true }
  },
  filters: [
    { kind: 'enum', name: 'type', column: accounts.type, values: ACCOUNT_TYPES },
    { kind: 'text', name: 'industry', column: accounts.industry },
    { kind: 'text', name: 'domain', column: accounts.domain },
    { kind: 'uuid', name: 'ownerId', column: accounts.ownerId },
    { kind: 'uuid', name: 'parentAccountId', column: accounts.parentAccountId },
    { kind: 'moneyRange', name: 'annualRevenue', column: accounts.annualRevenue },
    { kind: 'integerRange', name: 'numberOfEmployees', column: accounts.numberOfEmployees },
    { kind: 'timestampRange', name: 'createdAt', column: accounts.createdAt },
    { kind: 'timestampRange', name: 'updatedAt', column: accounts.updatedAt }
  ],
  search: accountsSearch(accounts),
  searchDescription: 'words to find in name, domain or email',
  references: [
    { field: 'parentAccountId', target: accountTarget },
    { field: 'ownerId', target: activeUser }
  ],
  referencedBy: [
    { label: 'contacts', table: () => contacts, column: () => contacts.accountId },
    { label: 'opportunities', table: () => opportunities, column: () => opportunities.accountId },
    { label: 'cases', table: () => cases, column: () => cases.accountId },
    { label: 'child accounts', table: () => accounts, column: () => accounts.parentAccountId },
    { label: 'products', table: () => products, column: () => products.vendorAccountId },
    { label: 'converted leads', table: () => leads, column: () => leads.convertedAccountId }
  ],
  toDto: (row) => recordToDto<Account>(accountSchemas.record, row),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    createAddresses(values, input, ADDRESSES)
    moneyFields(values, ['annualRevenue'])
    values.domain = domainOf(input.website as string | undefined)
    values.ownerId ??= ctx.tenant.userId
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as Record<string, unknown>
    const values = pickFields(input, PLAIN)
    patchAddresses(values, current, input, ADDRESSES)
    moneyFields(values, ['annualRevenue'])
    if (input.website !== undefined) values.domain = domainOf(input.website as string | null)
    if (typeof input.parentAccountId === 'string') await assertNoCycle(ctx, current.id, input.parentAccountId)
    return values
  }
}
