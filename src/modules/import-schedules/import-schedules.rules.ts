import { CronExpressionParser } from 'cron-parser'
import { isIP } from 'node:net'
import { addressRefusal } from '../../lib/net/address-policy.js'
import { urlRefusal } from '../../lib/net/safe-lookup.js'
import type { FieldError } from '../../lib/errors.js'
import { mappingProblems } from '../imports/imports.mapping.js'
import { IMPORT_OBJECT } from '../imports/imports.objects.js'
import type { ImportFormat, ImportObjectName } from '../imports/imports.schemas.js'
import { patternRefusal } from './import-schedules.pattern.js'

/**
 * What makes a schedule workable, as pure checks: each answers the field
 * errors it finds, so one 422 lists every problem of a body at once.
 */

export { IMPORT_FORMATS, IMPORT_MODES, IMPORT_OBJECTS } from '../imports/imports.schemas.js'
export type ImportObject = ImportObjectName
export const SOURCE_TYPES = ['folder', 'url'] as const

/** The keys an upsert may match on, per object, as the imports take them; the first is the default. */
export const upsertKeysOf = (object: ImportObject): string[] => Object.keys(IMPORT_OBJECT[object].keys)
export const ALL_UPSERT_KEYS = [...new Set(Object.values(IMPORT_OBJECT).flatMap((o) => Object.keys(o.keys)))]

/** Runs at most once a minute: a schedule imports on its own, unattended. */
export const MIN_INTERVAL_MS = 60_000
const INTERVAL_SAMPLES = 20
export const MAX_MAPPING_ENTRIES = 200
const MAX_COLUMN_LENGTH = 255

/** Collapses the whitespace of a cron expression: `0  2 * * *` is stored as `0 2 * * *`. */
export const normalizeCron = (cron: string) => cron.trim().split(/\s+/).join(' ')

/** The canonical IANA name of a time zone (`utc` is `UTC`), or undefined when there is none. */
export function canonicalTimeZone (timezone: string): string | undefined {
  if (timezone.trim() === '' || timezone.length > 100) return undefined
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

/**
 * Why a cron expression cannot schedule imports in the time zone, or
 * undefined. Five fields (minute hour day-of-month month day-of-week) or six
 * (seconds first); names (MON, JAN), ranges, lists, steps, L and # are
 * allowed, macros (@daily) and hashed values (H) are not, and two runs are
 * never closer than a minute.
 */
export function cronRefusal (cron: string, timezone: string): string | undefined {
  const fields = normalizeCron(cron).split(' ')
  if (fields.some((f) => f.startsWith('@') || /(^|,)H($|[/,(])/i.test(f))) {
    return 'must not use macros (@daily) or hashed values (H)'
  }
  if (fields.length !== 5 && fields.length !== 6) {
    return 'must have 5 fields (minute hour day month weekday) or 6 (seconds first)'
  }
  if (fields.some((f) => !/^[0-9A-Za-z*,/\-#?]+$/.test(f))) {
    return 'holds a character no cron field takes'
  }
  let runs: number[]
  try {
    const expression = CronExpressionParser.parse(fields.join(' '), { tz: timezone })
    runs = expression.take(INTERVAL_SAMPLES).map((d) => d.getTime())
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'is not valid'
    return `is not a valid cron expression: ${reason}`
  }
  if (runs.length === 0) return 'never runs'
  for (let i = 1; i < runs.length; i++) {
    if ((runs[i] as number) - (runs[i - 1] as number) < MIN_INTERVAL_MS) {
      return 'runs more often than once a minute'
    }
  }
  return undefined
}

/** When the expression next fires after `from`, or null if it cannot be computed. */
export function nextRun (cron: string, timezone: string, from: Date): Date | null {
  try {
    return CronExpressionParser.parse(cron, { tz: timezone, currentDate: from }).next().toDate()
  } catch {
    return null
  }
}

export type SourceInput = { type: 'folder', pattern: string } | { type: 'url', url: string }

/**
 * The field errors of a source (the schema has checked its shape). A URL
 * host that is an IP literal is checked against the address policy here
 * already; a host name is only resolved (and checked) when a run
 * downloads, since its addresses change.
 */
export function sourceErrors (source: SourceInput, allowPrivate: boolean): FieldError[] {
  if (source.type === 'folder') {
    const refusal = patternRefusal(source.pattern)
    return refusal === undefined ? [] : [{ pointer: '/source/pattern', message: refusal }]
  }
  const refusal = urlRefusal(source.url)
  if (refusal !== undefined) return [{ pointer: '/source/url', message: refusal }]
  const host = new URL(source.url).hostname.replace(/^\[(.*)\]$/, '$1')
  const addressProblem = isIP(host) === 0 ? undefined : addressRefusal(host, { allowPrivate })
  return addressProblem === undefined
    ? []
    : [{ pointer: '/source/url', message: `names ${host}, which ${addressProblem}` }]
}

/** RFC 6901: `~` and `/` inside a key. */
const pointerKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * A mapping names, for each column of the file (a CSV header or an NDJSON
 * property), the field of the object it fills, checked as POST /v1/imports
 * checks it: a field of the object's create body, or for an address one
 * part of it (`billingAddress.city`; a CSV file gives addresses part by
 * part), each field given by one column only.
 */
export function mappingErrors (
  mapping: Record<string, string>,
  object: ImportObject,
  format: ImportFormat
): FieldError[] {
  const entries = Object.entries(mapping)
  if (entries.length > MAX_MAPPING_ENTRIES) {
    return [{ pointer: '/mapping', message: `must have at most ${MAX_MAPPING_ENTRIES} columns` }]
  }
  const errors: FieldError[] = []
  for (const [column] of entries) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (column.length === 0 || column.length > MAX_COLUMN_LENGTH || /[\u0000-\u001f]/.test(column)) {
      const message = `the column name must be 1 to ${MAX_COLUMN_LENGTH} printable characters`
      errors.push({ pointer: `/mapping/${pointerKey(column)}`, message })
    }
  }
  return errors.length > 0 ? errors : mappingProblems(IMPORT_OBJECT[object], format, mapping)
}
