import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import { Nullable, StringEnum, Text, TimestampSchema, UuidSchema } from '../../lib/schemas.js'
import { RUN_TRIGGERS } from './import-schedules.payload.js'
import {
  ALL_UPSERT_KEYS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_OBJECTS,
  MAX_MAPPING_ENTRIES
} from './import-schedules.rules.js'

export const LAST_RUN_STATUSES = ['running', 'queued', 'succeeded', 'failed'] as const

const SOURCE_DESCRIPTION =
  'Where each run finds its file. `folder`: every file directly inside the workspace\'s folder of the ' +
  'server\'s import directory (`<IMPORT_DIR>/<workspaceId>/`) whose name matches `pattern` (`*` any ' +
  'characters, `?` one; no path separators, no `..`, no leading dot); hidden files (a leading dot) are ' +
  'never read, so write a file under a hidden name and rename it when complete. Files are read oldest ' +
  'first, at most 1000 a run; a symbolic link is followed only to a file inside the same folder; a file ' +
  'over the server\'s size limit is refused. Files stay where they are: one whose content (sha256) this ' +
  'schedule already imported is skipped, and one unchanged since a run of this schedule read it (same ' +
  'name, size, modification time and inode) is skipped without being read again. `url`: one file ' +
  'downloaded over HTTPS on every run (no ' +
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

const CountSchema = (description: string) => Type.Integer({ minimum: 0, description })

const LastRunSchema = Type.Object(
  {
    jobId: Type.String({
      ...UuidSchema,
      description: 'the run\'s job: GET /v1/jobs/{jobId} for its progress and full result (the imports ' +
        'started, the files skipped or refused and why); job records are kept 30 days after they finish, ' +
        'this summary for as long as it is the last run'
    }),
    trigger: StringEnum(RUN_TRIGGERS, {
      description: 'schedule: the cron was due; request: someone asked (POST /v1/import-schedules/{id}/run)'
    }),
    status: StringEnum(LAST_RUN_STATUSES, {
      description: 'running; queued: an attempt failed (`error` says why) and the run will be tried again; ' +
        'succeeded: every file was handled (files refused are counted in `counts.filesRefused`, the job ' +
        'lists them); failed: the run gave up (a URL that cannot be fetched), `error` says why'
    }),
    startedAt: Type.String({ ...TimestampSchema, description: 'when the run (its latest attempt) started' }),
    finishedAt: Nullable(Type.String({ ...TimestampSchema, description: 'when it succeeded or failed; null before' })),
    error: Nullable(Type.String({ description: 'why the run, or its latest attempt, failed' })),
    counts: Nullable(Type.Object(
      {
        filesMatched: CountSchema('files found: the matching files of the folder, or 1 for a URL'),
        importsStarted: CountSchema('new files, each an import of its own'),
        duplicatesSkipped: CountSchema('files whose content this schedule had already imported'),
        unchangedSkipped: CountSchema(
          'of duplicatesSkipped, folder files not even read: same name, size, modification time and inode ' +
            'as when this schedule last read them'
        ),
        filesRefused: CountSchema('files not imported: not readable, not a regular file, a link out of the ' +
          'folder, over the size limit (matching files beyond the 1000 of a run are not counted: they wait ' +
          'for a later run)')
      },
      { additionalProperties: false, description: 'what a run that succeeded did; null otherwise' }
    ))
  },
  {
    additionalProperties: false,
    description: 'The last run that started, whoever asked for it, and its outcome; null before the first run.'
  }
)
export type LastRun = Static<typeof LastRunSchema>

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
    'Runs happen only while `isActive`. Every run, whether the cron or a request started it, is a job ' +
    '(GET /v1/jobs/{id}); `lastRun` shows the latest, with its outcome and its job.',
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
      lastRun: Nullable(LastRunSchema),
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
      lastRun: {
        jobId: '6f1c2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
        trigger: 'schedule',
        status: 'succeeded',
        startedAt: '2026-12-03T01:00:00.123Z',
        finishedAt: '2026-12-03T01:00:01.456Z',
        error: null,
        counts: { filesMatched: 3, importsStarted: 1, duplicatesSkipped: 2, unchangedSkipped: 2, filesRefused: 0 }
      },
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
