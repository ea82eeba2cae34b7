import type { SQL } from 'drizzle-orm'
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { TSchema } from 'typebox'
import type { AppDeps } from '../../deps.js'
import type { FilterDefinition } from '../list/filters.js'
import type { SortableField } from '../list/sort.js'
import type { Tenant, TenantTable, WriteContext } from '../records/tenant.js'

export type ResourceTable = PgTable & TenantTable & {
  createdAt: AnyPgColumn
  updatedAt: AnyPgColumn
  version: AnyPgColumn
}

/** A record another record may point at: a live row of the same workspace. */
export interface ReferenceTarget {
  name: string
  table: PgTable & TenantTable
  /** Extra condition the target must meet, such as an active user. */
  condition?: SQL
  /** Why a row failing `condition` is refused. */
  conditionMessage?: string
}

export interface Reference {
  field: string
  target: () => ReferenceTarget
}

/** Rows elsewhere that point at this resource and keep it from being deleted. */
export interface InboundReference {
  label: string
  table: () => PgTable & TenantTable
  column: () => AnyPgColumn
}

export type Row = Record<string, unknown> & { id: string, version: number }

/** A write of the generic service that has committed, as its afterCommit hook sees it. */
export type ResourceChange<R extends Row = Row> =
  | { kind: 'create', id: string, row: R }
  | { kind: 'update', id: string, before: R, row: R }
  | { kind: 'delete', id: string, before: R }

/** The operations the generic routes register. */
export type Verb = 'list' | 'create' | 'get' | 'update' | 'delete'

/**
 * Everything the generic routes and queries need to know of one resource.
 * A module writes one of these; list, get, create, update and delete, their
 * OpenAPI and their tenancy follow from it.
 */
export interface ResourceDefinition<R extends Row = Row, D = unknown, C = unknown, U = unknown> {
  /** singular, lower case: 'account', 'opportunity' */
  name: string
  /** URL segment and plural: 'accounts' */
  plural: string
  /** For error codes: 'ACCOUNT' gives CRM_ACCOUNT_NOT_FOUND. */
  code: string
  /** OpenAPI operation nouns: Account, Accounts. */
  noun: string
  nounPlural: string
  tag: string
  /**
   * The path parameter naming one record, `${name}Id` when absent. A name of
   * several words ('import schedule') needs it: 'importScheduleId'.
   */
  idParam?: string
  /** Words of the generated summaries, where the defaults read wrong. */
  wording?: {
    /** The name with its article: 'an import schedule'; `a ${name}` when absent. */
    aName?: string
    /** The plural in prose: 'import schedules'; `plural` when absent. */
    plural?: string
  }
  table: ResourceTable
  schemas: {
    record: TSchema
    create: TSchema
    update: TSchema
  }
  descriptions?: {
    create?: string
    update?: string
    delete?: string
    list?: string
  }
  /**
   * The problem responses of an operation, whole, where the generic list does
   * not fit: one that cannot answer 409, or a 422 that says what it checks.
   */
  problems?: Partial<Record<Verb, Record<number, unknown>>>
  sortable: Record<string, SortableField>
  filters: readonly FilterDefinition[]
  /** The full-text document `q` searches (src/db/full-text.ts), the one its GIN index holds. */
  search: SQL
  searchDescription: string
  references: readonly Reference[]
  referencedBy: readonly InboundReference[]
  toDto: (row: R) => D
  /** Values of a new row from the validated body (defaults, derived fields). */
  prepareCreate: (ctx: WriteContext, body: C) => Promise<Record<string, unknown>>
  /** The changes a validated patch makes to the locked current row. */
  prepareUpdate: (ctx: WriteContext, current: R, patch: U) => Promise<Record<string, unknown>>
  /** Refuses the delete of the locked row by throwing (a converted lead). */
  prepareDelete?: (ctx: WriteContext, current: R) => Promise<void>
  /**
   * Runs once a create, update or delete has committed, never inside its
   * transaction and never for a write that failed: for what lives outside
   * PostgreSQL and must follow the row (a job scheduler). The write stands
   * whatever the hook does; a hook that throws is logged, so what it keeps
   * in step needs a repair of its own for a crash between commit and hook.
   */
  afterCommit?: (deps: AppDeps, tenant: Tenant, change: ResourceChange<R>) => Promise<void>
}

/**
 * Any resource, for the generic helpers that do not touch its row type. The
 * row type is invariant (used in and out), so only `any` fits every resource.
 */
// biome-ignore lint/suspicious/noExplicitAny: the row type is invariant, see above
export type AnyResourceDefinition = ResourceDefinition<any, any, any, any>
