import { Readable } from 'node:stream'
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'
import type { Executor } from '../../db/pool.js'
import { IdempotencyHeaders, jsonResponse, problemResponses, RequestIdHeader } from '../../lib/http/responses.js'
import { validatorCompiler } from '../../lib/http/validation.js'
import { pageSchema } from '../../lib/schemas.js'
import { replayIdempotentAnswer } from '../../plugins/idempotency/idempotency.plugin.js'
import { spreadsheetLine } from './imports.csv.js'
import { ImportNotFoundError } from './imports.errors.js'
import { getImport, importErrorsAfter, listImports, toImportDto } from './imports.queries.js'
import {
  CreateImportFormSchema,
  ImportParamsSchema,
  ImportRefSchema,
  ImportSchema,
  type ListImportsQuery,
  ListImportsQuerySchema
} from './imports.schemas.js'
import { startImport } from './imports.start.js'
import { assertMayImport, claimUpload, readUpload } from './imports.upload.js'

const READ = { permission: { resource: 'imports', action: 'read' as const } }
const TAGS = ['Imports']
const SECURITY = [{ bearerAuth: [] }]
const ERRORS_PAGE = 1000

// The form is read part by part in the handler (the file is streamed to
// disk), so only the documented schema is kept for the body; the handler
// checks the fields itself.
const formValidator: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? () => true : validatorCompiler(route)

const CREATE_DESCRIPTION = 'Uploads a CSV or NDJSON file (multipart/form-data, the file in the part `file`, ' +
  'at most IMPORT_MAX_BYTES, 256 MiB by default: larger answers 413 and nothing is kept) and queues its import ' +
  'into `object`. The answer is 202 with the import; `Location` is its job (GET /v1/jobs/{jobId}) and ' +
  '`Content-Location` the import itself (GET /v1/imports/{importId}), which shows the counters as they grow. ' +
  'The caller must be allowed to write `object` (403 otherwise).\n\n' +
  'Each row is validated with the schema of POST /v1/{object} and gets what that route fills in (the owner ' +
  'is the caller, the currency the workspace\'s, an account\'s domain comes from its website). In CSV an ' +
  'empty cell gives no value, `true`/`false` (or 1/0) are booleans, and an address is given part by part ' +
  '(`mailingAddress.city`); a file missing a column the mapping names, or a column every record needs, fails ' +
  'the import as a whole. A row that fails (a schema error, a wrong number of columns, invalid UTF-8, a ' +
  'reference to no live record of the workspace) is counted in `rowsFailed` and listed by ' +
  'GET /v1/imports/{importId}/errors; the other rows go on.\n\n' +
  '`mode` create makes a record of every valid row; a contact whose email, or a product whose SKU, a live ' +
  'record already has is skipped (`rowsSkipped`), leads and accounts may repeat as through the API. ' +
  '`mode` upsert matches each row on `upsertKey` (email ignoring case for contacts and leads, SKU ignoring ' +
  'case for products, domain or name (ignoring case and blanks) for accounts): a match is updated with the ' +
  'fields the row gives (an empty cell or an absent NDJSON key keeps the stored value; NDJSON null clears), ' +
  'an unchanged match is skipped, no match is created, as is a row without the key. A key that several ' +
  'records share, and a converted lead, fail the row. A key repeated in the file is applied in file order: ' +
  'the later row updates what the earlier made.\n\n' +
  '`dryRun` true runs every check and the merge and rolls each batch back: the counters and failed rows ' +
  'say what would happen, nothing is written.\n\n' +
  'Honours Idempotency-Key. The upload is known by its fields (a field left out is its default), its file ' +
  'name and its file\'s bytes (by sha256): a retry with the same key and the same upload replays the first ' +
  'answer (the same import, with `Idempotent-Replayed: true`) and keeps nothing of the retry; another upload ' +
  'with that key answers 422, and a retry while the first is still being recorded 409. The key is taken ' +
  'only once the whole form is read, so an upload refused while it is read (400, 403, 413, 415) is not ' +
  'kept and its retry is checked afresh. Without a key each upload is an import of its own.'

export async function importsRoutes (app: FastifyInstance) {
  app.addSchema(ImportSchema)

  // Multipart is parsed only here: every other route still answers 415 to it.
  await app.register(async function importUploads (scope) {
    await scope.register(multipart, {
      throwFileSizeLimit: true,
      limits: {
        fileSize: app.deps.config.IMPORT_MAX_BYTES,
        files: 1,
        fields: 10,
        fieldSize: 1_048_576,
        parts: 16
      }
    })
    // The upload is known only once its file is streamed and hashed, so the
    // handler claims the Idempotency-Key itself (claimUpload).
    scope.post('/v1/imports', {
      config: { idempotent: 'after-body' },
      validatorCompiler: formValidator,
      schema: {
        tags: TAGS,
        operationId: 'createImport',
        summary: 'Import a file into a collection',
        description: CREATE_DESCRIPTION,
        security: SECURITY,
        consumes: ['multipart/form-data'],
        headers: IdempotencyHeaders,
        body: CreateImportFormSchema,
        response: {
          202: jsonResponse('The import, queued', ImportRefSchema, {
            Location: { type: 'string', description: 'the job that runs the import: GET it for status and progress' },
            'Content-Location': { type: 'string', description: 'the import: GET /v1/imports/{importId}' }
          }),
          ...problemResponses(400, 401, 403, 409, 413, 415, 422)
        }
      }
    }, async (request, reply) => {
      assertMayImport(request.tenant.role)
      const upload = await readUpload(request, app.deps.config.IMPORT_MAX_BYTES)
      const earlier = await claimUpload(request, upload)
      if (earlier !== undefined) return replayIdempotentAnswer(reply, earlier)
      const started = await startImport(app.deps, {
        ...upload,
        workspaceId: request.tenant.workspaceId,
        createdBy: request.tenant.userId
      })
      reply.code(202).header('content-location', `/v1/imports/${started.import.id}`)
      if (started.job !== null) reply.header('location', `/v1/jobs/${started.job.id}`)
      return toImportDto(started.import)
    })
  })

  app.get('/v1/imports', {
    config: READ,
    schema: {
      tags: TAGS,
      operationId: 'listImports',
      summary: 'List imports',
      description: 'A page of the workspace\'s imports, newest first, uploaded or started by a schedule.',
      security: SECURITY,
      querystring: ListImportsQuerySchema,
      response: {
        200: jsonResponse('A page of imports', pageSchema(ImportRefSchema, 'A page of imports')),
        ...problemResponses(400, 401, 403)
      }
    }
  }, async (request) => {
    const page = await listImports(app.deps.db, request.tenant.workspaceId, request.query as ListImportsQuery)
    return { data: page.rows.map(toImportDto), nextCursor: page.nextCursor }
  })

  app.get('/v1/imports/:importId', {
    config: READ,
    schema: {
      tags: TAGS,
      operationId: 'getImport',
      summary: 'Get an import',
      description: 'Status and counters of an import; the counters move after each batch of rows the ' +
        'worker commits. An import of another workspace answers 404.',
      security: SECURITY,
      params: ImportParamsSchema,
      response: {
        200: jsonResponse('The import', ImportRefSchema),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { importId } = request.params as { importId: string }
    const row = await getImport(app.deps.db, request.tenant.workspaceId, importId)
    if (row === undefined) throw new ImportNotFoundError(importId)
    return toImportDto(row)
  })

  app.get('/v1/imports/:importId/errors', {
    config: READ,
    schema: {
      tags: TAGS,
      operationId: 'listImportErrors',
      summary: 'Get the failed rows of an import, as CSV',
      description: 'Every failed row so far, in file order, as CSV (streamed): `rowNumber` (1 is the first ' +
        'data row; for NDJSON the first non-blank line), `reason`, and `raw`, the row as it was read (cut ' +
        'at 10,000 characters). A cell a spreadsheet would run as a formula (starting with = + - @, a tab ' +
        'or a carriage return) is prefixed with an apostrophe. An import of another workspace answers 404.',
      security: SECURITY,
      params: ImportParamsSchema,
      response: {
        200: {
          description: 'The failed rows; only the header when none failed',
          headers: {
            'X-Request-Id': RequestIdHeader,
            'Content-Disposition': { type: 'string', description: 'attachment; a file name for the download' }
          },
          content: {
            'text/csv': {
              schema: {
                type: 'string',
                description: 'rowNumber,reason,raw; CRLF line ends',
                examples: ['rowNumber,reason,raw\r\n3,email must match format "email",Ada,Lovelace,not-an-email\r\n']
              }
            }
          }
        },
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request, reply) => {
    const { importId } = request.params as { importId: string }
    const row = await getImport(app.deps.db, request.tenant.workspaceId, importId)
    if (row === undefined) throw new ImportNotFoundError(importId)
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${importId}-errors.csv"`)
    return reply.send(Readable.from(errorLines(app.deps.db, importId)))
  })
}

/** The errors CSV, a page of rows at a time: memory stays flat however many rows failed. */
async function * errorLines (db: Executor, importId: string): AsyncGenerator<string> {
  yield spreadsheetLine(['rowNumber', 'reason', 'raw'])
  let after = 0
  for (;;) {
    const rows = await importErrorsAfter(db, importId, after, ERRORS_PAGE)
    if (rows.length > 0) yield rows.map((r) => spreadsheetLine([r.rowNumber, r.reason, r.raw])).join('')
    if (rows.length < ERRORS_PAGE) return
    after = (rows[rows.length - 1] as { rowNumber: number }).rowNumber
  }
}
