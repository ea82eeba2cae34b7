import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import { Nullable, StringEnum, Text, TimestampSchema } from '../../lib/schemas.js'
import {
  ALL_UPSERT_KEYS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_OBJECTS,
  MAX_MAPPING_ENTRIES
} from './import-schedules.rules.js'

const SOURCE_DESCRIPTION =
  'Where each run finds its file. `folder`: every file directly inside the workspace\'s folder of the ' +
  'server\'s import directory (`<IMPORT_DIR>/<workspaceId>/`) whose name matches `pattern` (`*` any ' +
  'characters, `?` one; no path separators, no `..`, no leading dot); hidden files (a leading dot) are ' +
  'never read, so write a file under a hidden name and rename it when complete. Files are read oldest ' +
  'first, at most 1000 a run; a symbolic link is followed only to a file inside the same folder; a file ' +
  'over the server\'s size limit is refused. Files stay where they are: one whose content (sha256) this ' +
  'schedule already imported is skipped. `url`: one file downloaded over HTTPS on every run (no ' +
  'credentials in the URL, at most 3 redirects, each re-checked; the size limit, 30 s of silence or 15 ' +
  'minutes in all end it); ' +
  'the addresses the host resolves to must be public unless the server allows private networks, so ' +
  'loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), ' +
  'CGNAT and multicast addresses are refused. The URL is shown to everyone who may read schedules: ' +
  'do not put secrets in it. A patch replaces the whole source.'

const FolderSourceSchema = Type.Object(
  {
    type: Type.Literal('folder'),
    pattern: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'the file name pattern: `*` any characters, `?` one',
      examples: ['contacts-*.csv']
    })
  },
  { additionalProperties: false, description: 'files of the workspace\'s import folder' }
)

const UrlSourceSchema = Type.Object(
  {
    type: Type.Literal('url'),
    url: Type.String({
      format: 'uri',
      maxLength: 2048,
      description: 'an https URL, without credentials',
      examples: ['https://exports.example.com/crm/contacts.csv']
    })
  },
  { additionalProperties: false, description: 'one file downloaded over HTTPS' }
)

/** The same shape is written and shown, so a source read can be sent back as it is. */
const SourceSchema = Type.Union([FolderSourceSchema, UrlSourceSchema], {
  description: SOURCE_DESCRIPTION,
  examples: [{ type: 'folder', pattern: 'contacts-*.csv' }]
})

const MappingSchema = Type.Record(
  Type.String(),
  Type.String({ minLength: 1, maxLength: 100 }),
  {
    maxProperties: MAX_MAPPING_ENTRIES,
    description: 'file column (CSV header or NDJSON property) → field of `object` (or a part of one, such as ' +
      '`billingAddress.city`); null: columns are named as the fields',
    examples: [{ 'E-mail': 'email', Surname: 'lastName', 'First name': 'firstName' }]
  }
)

const example = {
  name: 'Nightly contacts from the web shop',
  cron: '0 2 * * *',
  timezone: 'Europe/Berlin',
  source: { type: 'folder', pattern: 'contacts-*.csv' },
  object: 'contacts',
  format: 'csv',
  mode: 'upsert',
  upsertKey: 'email',
  mapping: { 'E-mail': 'email', Surname: 'lastName', 'First name': 'firstName' },
  isActive: true
}

export const importScheduleSchemas = resourceSchemas(
  'ImportSchedule',
  'An import that runs by itself on a cron expression in a time zone, from a file in the server\'s ' +
    'import folder or at an HTTPS URL. Each run starts one import per new file (an import record of its ' +
    'own, linked by `scheduleId`); a file this schedule already imported (same sha256) is skipped. ' +
    'Runs happen only while `isActive`.',
  {
    required: {
      name: Text(200, { examples: [example.name] }),
      cron: Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'when to run: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds ' +
          'first); names (MON, JAN), ranges, lists, steps, L and # work; no macros (@daily) or H; never ' +
          'more often than once a minute',
        examples: ['0 2 * * *', '*/15 * * * *', '30 6 * * 1-5', '0 0 1 * *']
      }),
      source: SourceSchema,
      object: StringEnum(IMPORT_OBJECTS, { description: 'the collection the rows go to' })
    },
    defaulted: {
      timezone: Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'IANA time zone the cron expression is read in, stored under its canonical name; default UTC',
        examples: ['Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Tokyo']
      }),
      format: StringEnum(IMPORT_FORMATS, { description: 'csv (with a header row) or ndjson; default csv' }),
      mode: StringEnum(IMPORT_MODES, {
        description: 'create: every row is a new record; upsert: a row matching `upsertKey` updates that ' +
          'record; default create'
      }),
      isActive: Type.Boolean({ description: 'default true; an inactive schedule runs only when asked to' })
    },
    optional: {
      upsertKey: StringEnum(ALL_UPSERT_KEYS, {
        description: 'upsert only: email for contacts and leads, sku for products, domain or name for ' +
          'accounts; defaults to the first of these. Null with mode create.'
      }),
      mapping: MappingSchema
    },
    computed: {
      lastRunAt: Nullable(Type.String({ ...TimestampSchema, description: 'when the last run started' })),
      nextRunAt: Nullable(Type.String({
        ...TimestampSchema,
        description: 'when the next run is due, from cron and timezone; null while inactive'
      }))
    }
  },
  {
    record: {
      id: '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b',
      ...example,
      lastRunAt: '2026-12-03T01:00:00.123Z',
      nextRunAt: '2026-12-04T01:00:00.000Z',
      createdAt: '2026-12-01T10:20:30.123Z',
      updatedAt: '2026-12-01T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { cron: '30 3 * * 1-5', isActive: false }
  }
)

export type ImportSchedule = Static<typeof importScheduleSchemas.record>
export type CreateImportScheduleBody = Static<typeof importScheduleSchemas.create>
export type UpdateImportScheduleBody = Static<typeof importScheduleSchemas.update>
