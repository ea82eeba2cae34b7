import { searchDocument } from '../../db/full-text.js'
import { type FieldError, withFieldErrors } from '../../lib/errors.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
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
    table: importSchedules,
    schemas: importScheduleSchemas,
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
    }
  }
}
