import { type Static, Type } from 'typebox'
import { Nullable, StringEnum, TimestampSchema, UuidSchema } from '../../lib/schemas.js'

export const IMPORT_OBJECTS = ['accounts', 'contacts', 'leads', 'products'] as const
export type ImportObjectName = (typeof IMPORT_OBJECTS)[number]
export const IMPORT_FORMATS = ['csv', 'ndjson'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]
export const IMPORT_MODES = ['create', 'upsert'] as const
export type ImportMode = (typeof IMPORT_MODES)[number]
export const IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const

const Counter = (description: string) => Type.Integer({ minimum: 0, description })

const example = {
  id: '1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a',
  object: 'contacts',
  format: 'csv',
  mode: 'upsert',
  upsertKey: 'email',
  mapping: { 'E-mail': 'email', Surname: 'lastName', City: 'mailingAddress.city' },
  dryRun: false,
  status: 'succeeded',
  fileName: 'contacts-2026-12.csv',
  fileSize: 482133,
  checksum: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
  scheduleId: null,
  jobId: '6f1c2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
  rowsRead: 5000,
  rowsCreated: 4120,
  rowsUpdated: 790,
  rowsSkipped: 62,
  rowsFailed: 28,
  error: null,
  createdBy: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
  createdAt: '2026-12-03T10:20:30.123Z',
  updatedAt: '2026-12-03T10:20:41.456Z',
  startedAt: '2026-12-03T10:20:30.456Z',
  finishedAt: '2026-12-03T10:20:41.456Z'
}

export const ImportSchema = Type.Object(
  {
    id: UuidSchema,
    object: StringEnum(IMPORT_OBJECTS, { description: 'the collection the rows go to' }),
    format: StringEnum(IMPORT_FORMATS),
    mode: StringEnum(IMPORT_MODES, {
      description: 'create: every valid row is a new record; upsert: a row matching a record by `upsertKey` updates it'
    }),
    upsertKey: Nullable(Type.String({ description: 'what an upsert matches on; null in create mode', examples: ['email'] })),
    mapping: Nullable(Type.Record(Type.String(), Type.String(), {
      description: 'file column (or NDJSON key) → API field; null: the columns are named after the fields'
    })),
    dryRun: Type.Boolean({ description: 'validated and merged, then rolled back: nothing was written' }),
    status: StringEnum(IMPORT_STATUSES, {
      description: 'queued, running, succeeded (every row has its outcome) or failed (see `error`)'
    }),
    fileName: Nullable(Type.String({ description: 'as uploaded' })),
    fileSize: Type.Integer({ minimum: 0, description: 'bytes' }),
    checksum: Type.String({ description: 'sha256 of the file, hex', pattern: '^[0-9a-f]{64}$' }),
    scheduleId: Nullable(Type.String({ ...UuidSchema, description: 'the schedule that started this import' })),
    jobId: Nullable(Type.String({ ...UuidSchema, description: 'the job that runs it: GET /v1/jobs/{jobId}' })),
    rowsRead: Counter('data rows read so far (the header is not a row)'),
    rowsCreated: Counter('new records'),
    rowsUpdated: Counter('records an upsert changed'),
    rowsSkipped: Counter('rows that changed nothing: an upsert that matched an unchanged record, ' +
      'or in create mode a contact email or product SKU that a record already has'),
    rowsFailed: Counter('rows refused; GET /v1/imports/{importId}/errors says why'),
    error: Nullable(Type.String({ description: 'why the import as a whole failed' })),
    createdBy: Nullable(UuidSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    startedAt: Nullable(TimestampSchema),
    finishedAt: Nullable(TimestampSchema)
  },
  {
    $id: 'Import',
    additionalProperties: false,
    description: 'One file loaded into one collection, with the outcome of every row. ' +
      'rowsCreated + rowsUpdated + rowsSkipped + rowsFailed = rowsRead.',
    examples: [example]
  }
)
export type ImportDto = Static<typeof ImportSchema>

export const ImportRefSchema = Type.Unsafe<ImportDto>(Type.Ref('Import'))

export const ImportParamsSchema = Type.Object({ importId: UuidSchema }, { additionalProperties: false })

export const MAX_IMPORTS_PAGE = 200

export const ListImportsQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({
      minimum: 1, maximum: MAX_IMPORTS_PAGE, default: 50, description: `page size, at most ${MAX_IMPORTS_PAGE}`
    })),
    cursor: Type.Optional(Type.String({
      minLength: 1, maxLength: 2048, description: 'the nextCursor of the previous page'
    })),
    object: Type.Optional(StringEnum(IMPORT_OBJECTS, { description: 'only imports into this collection' })),
    status: Type.Optional(StringEnum(IMPORT_STATUSES, { description: 'only imports in this status' }))
  },
  { additionalProperties: false }
)
export type ListImportsQuery = Static<typeof ListImportsQuerySchema>

/**
 * The multipart form of POST /v1/imports, for the contract. The route reads
 * the parts as a stream (the file is never held in memory), so this schema
 * documents the form; the fields are checked by the route itself.
 */
export const CreateImportFormSchema = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      description: 'the CSV (comma-separated, double quotes, first line the header; UTF-8, ' +
        'a BOM is allowed) or NDJSON (one JSON object per line) file'
    }),
    object: StringEnum(IMPORT_OBJECTS, { description: 'the collection the rows go to' }),
    format: Type.Optional(StringEnum(IMPORT_FORMATS, {
      description: 'default: from the file name (.csv, .ndjson, .jsonl), else its content type'
    })),
    mode: Type.Optional(StringEnum(IMPORT_MODES, { description: 'default create' })),
    upsertKey: Type.Optional(Type.String({
      description: 'upsert only: email for contacts and leads, sku for products, domain (the default) ' +
        'or name for accounts',
      examples: ['email']
    })),
    mapping: Type.Optional(Type.String({
      description: 'a JSON object, file column (or NDJSON key) → API field; an address part is ' +
        '`<field>.<part>` (`mailingAddress.city`). Columns not in the mapping are ignored. ' +
        'Default: every column is named after a field (an unknown column fails the import)',
      examples: ['{"E-mail":"email","Surname":"lastName","City":"mailingAddress.city"}']
    })),
    dryRun: Type.Optional(StringEnum(['true', 'false'], {
      description: 'true: validate and count every row, write nothing (default false)'
    }))
  },
  {
    additionalProperties: false,
    examples: [{ file: '(the file)', object: 'contacts', mode: 'upsert', upsertKey: 'email', dryRun: 'false' }]
  }
)
