import { searchDocument } from '../../db/full-text.js'
import { type FieldError, withFieldErrors } from '../../lib/errors.js'
import { problemResponses } from '../../lib/http/responses.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { ProblemRefSchema } from '../../lib/schemas.js'
import type { ImportFormat } from '../imports/imports.schemas.js'
import { ImportScheduleInvalidError } from './import-schedules.errors.js'
import { lastRunOf } from './import-schedules.last-run.js'
import {
  canonicalTimeZone,
  cronRefusal,
  IMPORT_OBJECTS,
  type ImportObject,
  mappingErrors,
  nextRun,
  normalizeCron,
  SOURCE_TYPES,
  type SourceInput,
  sourceErrors,
  upsertKeysOf
} from './import-schedules.rules.js'
import {
  type CreateImportScheduleBody,
  type ImportSchedule,
  importScheduleSchemas,
  type UpdateImportScheduleBody
} from './import-schedules.schemas.js'
import { syncScheduler } from './import-schedules.scheduler.js'
import { importSchedules } from './import-schedules.table.js'

export type ImportScheduleRow = typeof importSchedules.$inferSelect & Row

/** Everything a schedule says, in the shape of a create body. */
interface ScheduleInput {
  name: string
  cron: string
  timezone: string
  source: SourceInput
  object: ImportObject
  format: ImportFormat
  mode: string
  upsertKey: string | null
  mapping: Record<string, string> | null
  isActive: boolean
}

const CREATE_DEFAULTS = {
  timezone: 'UTC', format: 'csv', mode: 'create', upsertKey: null, mapping: null, isActive: true
}

export function importScheduleToDto (row: ImportScheduleRow, now = new Date()): ImportSchedule {
  const next = row.isActive ? nextRun(row.cron, row.timezone, now) : null
  return recordToDto<ImportSchedule>(importScheduleSchemas.record, row, {
    source: sourceOf(row),
    lastRun: lastRunOf(row),
    nextRunAt: next?.toISOString() ?? null
  })
}

function sourceOf (row: ImportScheduleRow): SourceInput {
  return row.sourceType === 'url'
    ? { type: 'url', url: row.sourceUrl as string }
    : { type: 'folder', pattern: row.sourcePattern as string }
}

function inputOf (row: ImportScheduleRow): ScheduleInput {
  return {
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    source: sourceOf(row),
    object: row.object as ImportObject,
    format: row.format as ImportFormat,
    mode: row.mode,
    upsertKey: row.upsertKey,
    mapping: row.mapping as Record<string, string> | null,
    isActive: row.isActive
  }
}

/**
 * The upsert key a schedule ends up with: none for mode create; for
 * upsert the one named, or the object's default when none is named or
 * when a change of object left an old key behind. Naming a key that does
 * not fit is an error.
 */
function upsertKeyOf (merged: ScheduleInput, body: Record<string, unknown>, errors: FieldError[]): string | null {
  const named = body.upsertKey != null
  if (merged.mode !== 'upsert') {
    if (named) errors.push({ pointer: '/upsertKey', message: 'applies to mode upsert only' })
    return null
  }
  const allowed = upsertKeysOf(merged.object)
  if (merged.upsertKey === null) return allowed[0] as string
  if (allowed.includes(merged.upsertKey)) return merged.upsertKey
  if (named) {
    errors.push({ pointer: '/upsertKey', message: `must be one of ${allowed.join(', ')} for ${merged.object}` })
  }
  return allowed[0] as string
}

/**
 * The column values of a schedule as it will be, checked whole: every
 * problem is one entry of a single 422 (CRM_IMPORT_SCHEDULE_INVALID).
 */
function scheduleValues (
  merged: ScheduleInput,
  body: Record<string, unknown>,
  allowPrivate: boolean
): Record<string, unknown> {
  const errors: FieldError[] = []
  const timezone = canonicalTimeZone(merged.timezone)
  if (timezone === undefined) {
    errors.push({ pointer: '/timezone', message: 'is not an IANA time zone (such as Europe/Berlin or UTC)' })
  }
  const cronProblem = cronRefusal(merged.cron, timezone ?? 'UTC')
  if (cronProblem !== undefined) errors.push({ pointer: '/cron', message: cronProblem })
  errors.push(...sourceErrors(merged.source, allowPrivate))
  const upsertKey = upsertKeyOf(merged, body, errors)
  const mapping = merged.mapping === null || Object.keys(merged.mapping).length === 0 ? null : merged.mapping
  if (mapping !== null) errors.push(...mappingErrors(mapping, merged.object, merged.format))
  if (errors.length > 0) {
    const detail = errors.slice(0, 3).map((e) => `${e.pointer} ${e.message}`).join('; ')
    throw withFieldErrors(new ImportScheduleInvalidError(`the schedule cannot run: ${detail}`), errors)
  }
  const { source } = merged
  return {
    name: merged.name,
    cron: normalizeCron(merged.cron),
    timezone,
    sourceType: source.type,
    sourcePattern: source.type === 'folder' ? source.pattern : null,
    sourceUrl: source.type === 'url' ? new URL(source.url).href : null,
    object: merged.object,
    format: merged.format,
    mode: merged.mode,
    upsertKey,
    mapping,
    isActive: merged.isActive
  }
}

const invalidResponse = {
  422: {
    description: 'The schedule cannot run (CRM_IMPORT_SCHEDULE_INVALID): a cron expression that does not ' +
      'parse or fires more than once a minute, an unknown time zone, a bad pattern or URL, an upsert key ' +
      'or mapping that does not fit the object; `errors` points at each. Or an Idempotency-Key reused ' +
      'with another body.',
    content: { 'application/problem+json': { schema: ProblemRefSchema } }
  }
}

const RULES =
  'Only admins and managers change schedules; every role reads them. `cron` is read in `timezone` ' +
  '(IANA, default UTC); `format` defaults to csv, `mode` to create, `isActive` to true. With mode ' +
  'upsert, `upsertKey` defaults to the object\'s first key (email, sku, domain); with mode create it is ' +
  'null. Every problem of the body is listed in one 422. An active schedule is registered with the ' +
  'job queue once the write has committed; runs start imports that record `scheduleId`.'

const schedulerNote =
  'The schedule\'s runs follow the change once it has committed: a new cron or time zone takes effect ' +
  'for the next run, `isActive: false` stops the runs, `isActive: true` starts them again.'

/**
 * Import schedules as a resource. Built per app, because whether a URL may
 * name a private address literal is the server's configuration.
 */
export function importScheduleResource (
  options: { allowPrivateUrls: boolean }
): ResourceDefinition<ImportScheduleRow, ImportSchedule> {
  return {
    name: 'import schedule',
    plural: 'import-schedules',
    code: 'IMPORT_SCHEDULE',
    noun: 'ImportSchedule',
    nounPlural: 'ImportSchedules',
    tag: 'Imports',
    idParam: 'importScheduleId',
    wording: { aName: 'an import schedule', plural: 'import schedules' },
    table: importSchedules,
    schemas: importScheduleSchemas,
    descriptions: {
      list: 'A page of the workspace\'s import schedules, newest first unless `sort` says ' +
        'otherwise; filters combine with AND.',
      create: `Creates a schedule. ${RULES}`,
      update: 'Merges the body into the schedule (RFC 7396; `source` is replaced whole, `mapping: null` ' +
        'clears the mapping, `upsertKey: null` restores the default key) and checks the result as a create ' +
        `would. ${schedulerNote} With If-Match, a stale ETag answers 412 and changes nothing.`,
      delete: 'Removes the schedule from every read and list and stops its runs. The imports it ' +
        'started stay, with their `scheduleId`; a run already under way finishes.'
    },
    // Nothing refers to a schedule and its checks answer 422: no 409 but the
    // create's Idempotency-Key in use.
    problems: {
      create: { ...problemResponses(400, 401, 403, 409, 413, 415), ...invalidResponse },
      update: { ...problemResponses(400, 401, 403, 404, 412, 413, 415), ...invalidResponse },
      delete: problemResponses(400, 401, 403, 404, 412)
    },
    sortable: {
      createdAt: { column: importSchedules.createdAt, kind: 'timestamp', nullable: false },
      updatedAt: { column: importSchedules.updatedAt, kind: 'timestamp', nullable: false },
      name: { column: importSchedules.name, kind: 'text', nullable: false },
      lastRunAt: { column: importSchedules.lastRunAt, kind: 'timestamp', nullable: true }
    },
    filters: [
      { kind: 'boolean', name: 'isActive', column: importSchedules.isActive },
      { kind: 'enum', name: 'object', column: importSchedules.object, values: IMPORT_OBJECTS },
      { kind: 'enum', name: 'sourceType', column: importSchedules.sourceType, values: SOURCE_TYPES },
      { kind: 'timestampRange', name: 'createdAt', column: importSchedules.createdAt },
      { kind: 'timestampRange', name: 'lastRunAt', column: importSchedules.lastRunAt }
    ],
    // A workspace has a handful of schedules: `q` scans them, no text index.
    search: searchDocument([importSchedules.name]),
    searchDescription: 'words to find in the name',
    references: [],
    referencedBy: [],
    toDto: (row) => importScheduleToDto(row),
    async prepareCreate (_ctx, body) {
      const input = body as CreateImportScheduleBody as Record<string, unknown>
      const merged = { ...CREATE_DEFAULTS, ...input } as unknown as ScheduleInput
      return scheduleValues(merged, input, options.allowPrivateUrls)
    },
    async prepareUpdate (_ctx, current, patch) {
      const input = patch as UpdateImportScheduleBody as Record<string, unknown>
      const merged = { ...inputOf(current), ...input } as unknown as ScheduleInput
      return scheduleValues(merged, input, options.allowPrivateUrls)
    },
    // Redis follows the committed row, read again here, so the later of two
    // racing writes wins. A failure is logged by the generic service, and the
    // reconcile job (reconcileSchedulers) applies the change later.
    async afterCommit (deps, tenant, change) {
      await syncScheduler(deps, tenant.workspaceId, change.id)
    }
  }
}
