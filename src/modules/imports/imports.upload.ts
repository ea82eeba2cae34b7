import { rm } from 'node:fs/promises'
import type { FastifyRequest } from 'fastify'
import {
  type FieldError,
  UnsupportedMediaTypeError,
  ValidationError,
  withFieldErrors
} from '../../lib/errors.js'
import type { Role } from '../../lib/records/tenant.js'
import { claimIdempotencyKey, type IdempotentAnswer } from '../../plugins/idempotency/idempotency.plugin.js'
import { assertAllowed, isAllowed } from '../auth/permissions.js'
import { ImportFileTooLargeError } from './imports.errors.js'
import { type StoredImportFile, storeImportFile } from './imports.files.js'
import { mappingProblems } from './imports.mapping.js'
import { IMPORT_OBJECT } from './imports.objects.js'
import {
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_OBJECTS,
  type ImportFormat,
  type ImportMode,
  type ImportObjectName
} from './imports.schemas.js'
import type { StartImport } from './imports.start.js'

/**
 * Reads the multipart form of POST /v1/imports: the file part is streamed
 * to the import folder as it arrives (hashed and counted on the way), the
 * text fields are collected, then everything is checked at once. Any
 * refusal removes the stored file.
 */

const FIELDS = ['object', 'format', 'mode', 'upsertKey', 'mapping', 'dryRun'] as const
type FieldName = (typeof FIELDS)[number]

export interface Upload extends Omit<StartImport, 'workspaceId' | 'createdBy' | 'scheduleId'> {}

interface MultipartPart {
  type: 'file' | 'field'
  fieldname: string
  value?: unknown
  filename?: string
  mimetype?: string
  file?: NodeJS.ReadableStream & { truncated?: boolean, resume: () => void }
}

const invalid = (errors: FieldError[]) => {
  const detail = errors
    .map((e) => (e.pointer === '' ? e.message : `${e.pointer.slice(1)} ${e.message}`))
    .slice(0, 3)
    .join('; ')
  return withFieldErrors(new ValidationError(detail), errors)
}

/** Roles that may write none of the collections are refused before a byte is read. */
export function assertMayImport (role: Role) {
  if (IMPORT_OBJECTS.some((object) => isAllowed(role, { resource: object, action: 'write' }))) return
  assertAllowed(role, { resource: 'contacts', action: 'write' })
}

export async function readUpload (request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new UnsupportedMediaTypeError('the body must be multipart/form-data, with the file in a part named `file`')
  }
  const fields: Partial<Record<FieldName, string>> = {}
  const errors: FieldError[] = []
  let stored: (StoredImportFile & { fileName: string | null, mimetype: string }) | undefined
  try {
    for await (const part of request.parts() as AsyncIterable<MultipartPart>) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || stored !== undefined) {
          part.file?.resume()
          errors.push({ pointer: `/${part.fieldname}`, message: 'only one file part, named file, is accepted' })
          continue
        }
        const file = part.file as NonNullable<MultipartPart['file']>
        const saved = await storeImportFile(request.server.deps.config, file, { maxBytes })
        stored = { ...saved, fileName: part.filename ?? null, mimetype: part.mimetype ?? '' }
        if (file.truncated === true) throw new ImportFileTooLargeError(`the file is larger than ${maxBytes} bytes`)
        continue
      }
      const name = part.fieldname as FieldName
      if (!FIELDS.includes(name)) {
        errors.push({ pointer: `/${part.fieldname}`, message: 'is not a known field' })
      } else if (fields[name] !== undefined) {
        errors.push({ pointer: `/${name}`, message: 'is given twice' })
      } else {
        fields[name] = typeof part.value === 'string' ? part.value : JSON.stringify(part.value)
        if (name === 'object') assertObjectAllowed(request, fields.object)
      }
    }
    if (stored === undefined) errors.push({ pointer: '/file', message: 'is required' })
    else if (stored.fileSize === 0) errors.push({ pointer: '/file', message: 'is empty' })
    const upload = checkFields(fields, stored, errors)
    if (errors.length > 0 || upload === undefined) throw invalid(errors)
    assertAllowed(request.tenant.role, { resource: upload.object, action: 'write' })
    return upload
  } catch (err) {
    if (stored !== undefined) await rm(stored.filePath, { force: true })
    throw multipartProblem(err, maxBytes)
  }
}

/**
 * Claims the request's Idempotency-Key once the upload is read: the upload
 * is known by its checked fields (defaults filled in, so leaving out
 * `mode` is the same request as `mode=create`), its file name and its
 * file's sha256. The earlier answer when the key already answered this
 * upload; undefined when the upload is new. Unless it is new, the stored
 * file is removed (also on the 409 and 422 this throws): nothing of a
 * retry is kept.
 */
export async function claimUpload (request: FastifyRequest, upload: Upload): Promise<IdempotentAnswer | undefined> {
  const identity = JSON.stringify([
    upload.object,
    upload.format,
    upload.mode,
    upload.upsertKey ?? null,
    upload.mapping ?? null,
    upload.dryRun,
    upload.fileName,
    upload.checksum
  ])
  let earlier: IdempotentAnswer | undefined
  try {
    earlier = await claimIdempotencyKey(request, identity)
  } catch (err) {
    await rm(upload.filePath, { force: true })
    throw err
  }
  if (earlier !== undefined) await rm(upload.filePath, { force: true })
  return earlier
}

function assertObjectAllowed (request: FastifyRequest, object: string | undefined) {
  if (IMPORT_OBJECTS.includes(object as ImportObjectName)) {
    assertAllowed(request.tenant.role, { resource: object as string, action: 'write' })
  }
}

/** The multipart plugin's own refusals, as our problems. */
function multipartProblem (err: unknown, maxBytes: number): unknown {
  const code = (err as { code?: string }).code
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ImportFileTooLargeError(`the file is larger than ${maxBytes} bytes`)
    case 'FST_FILES_LIMIT':
      return invalid([{ pointer: '/file', message: 'only one file part is accepted' }])
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return invalid([{ pointer: '', message: 'the form has more parts than POST /v1/imports takes' }])
    case 'FST_PROTO_VIOLATION':
      return invalid([{ pointer: '', message: 'a part is named after a reserved property' }])
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return invalid([{ pointer: '', message: 'a part declared as application/json is not valid JSON' }])
    case 'FST_MP_PREMATURE_CLOSE':
      return invalid([{ pointer: '/file', message: 'the upload ended before the form was complete' }])
    default:
      if (err instanceof Error && /multipart|boundary|part terminated|unexpected end/i.test(err.message) && code === undefined) {
        return invalid([{ pointer: '', message: 'the body is not a well-formed multipart/form-data form' }])
      }
      return err
  }
}

function checkFields (
  fields: Partial<Record<FieldName, string>>,
  stored: (StoredImportFile & { fileName: string | null, mimetype: string }) | undefined,
  errors: FieldError[]
): Upload | undefined {
  const object = fields.object as ImportObjectName | undefined
  if (object === undefined) errors.push({ pointer: '/object', message: 'is required' })
  else if (!IMPORT_OBJECTS.includes(object)) {
    errors.push({ pointer: '/object', message: `must be one of ${IMPORT_OBJECTS.join(', ')}` })
  }
  const mode = (fields.mode ?? 'create') as ImportMode
  if (!IMPORT_MODES.includes(mode)) errors.push({ pointer: '/mode', message: `must be one of ${IMPORT_MODES.join(', ')}` })
  const dryRun = fields.dryRun ?? 'false'
  if (dryRun !== 'true' && dryRun !== 'false') errors.push({ pointer: '/dryRun', message: 'must be true or false' })
  const format = formatOf(fields.format, stored, errors)
  const known = object !== undefined && IMPORT_OBJECTS.includes(object) ? IMPORT_OBJECT[object] : undefined
  let upsertKey: string | null = null
  if (fields.upsertKey !== undefined && mode !== 'upsert') {
    errors.push({ pointer: '/upsertKey', message: 'is only for mode upsert' })
  } else if (mode === 'upsert' && known !== undefined) {
    const keys = Object.keys(known.keys)
    upsertKey = fields.upsertKey ?? keys[0] ?? null
    if (!keys.includes(upsertKey as string)) {
      errors.push({ pointer: '/upsertKey', message: `must be one of ${keys.join(', ')} for ${known.name}` })
    }
  }
  const mapping = mappingOf(fields.mapping, errors)
  if (mapping !== null && known !== undefined && format !== undefined) {
    errors.push(...mappingProblems(known, format, mapping))
  }
  if (errors.length > 0 || stored === undefined || known === undefined || format === undefined) return undefined
  return {
    object: known.name,
    format,
    mode,
    upsertKey,
    mapping,
    dryRun: dryRun === 'true',
    fileName: stored.fileName,
    filePath: stored.filePath,
    fileSize: stored.fileSize,
    checksum: stored.checksum
  }
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines']

/** The format field, else the file name's extension, else its content type. */
function formatOf (
  given: string | undefined,
  stored: { fileName: string | null, mimetype: string } | undefined,
  errors: FieldError[]
): ImportFormat | undefined {
  if (given !== undefined) {
    if (IMPORT_FORMATS.includes(given as ImportFormat)) return given as ImportFormat
    errors.push({ pointer: '/format', message: `must be one of ${IMPORT_FORMATS.join(', ')}` })
    return undefined
  }
  if (stored === undefined) return undefined
  const name = (stored.fileName ?? '').toLowerCase()
  const type = stored.mimetype.toLowerCase().split(';')[0]?.trim() ?? ''
  if (name.endsWith('.csv') || type === 'text/csv') return 'csv'
  if (/\.(ndjson|jsonl)$/.test(name) || NDJSON_TYPES.includes(type)) return 'ndjson'
  errors.push({
    pointer: '/format',
    message: 'is required when neither the file name (.csv, .ndjson, .jsonl) nor its content type tells'
  })
  return undefined
}

function mappingOf (raw: string | undefined, errors: FieldError[]): Record<string, string> | null {
  if (raw === undefined) return null
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    errors.push({ pointer: '/mapping', message: 'must be a JSON object' })
    return null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ pointer: '/mapping', message: 'must be a JSON object of column names to field names' })
    return null
  }
  const entries = Object.entries(value)
  if (entries.length === 0 || entries.length > 200) {
    errors.push({ pointer: '/mapping', message: 'must map 1 to 200 columns' })
    return null
  }
  const bad = entries.find(([k, v]) => typeof v !== 'string' || k.length === 0 || k.length > 255)
  if (bad !== undefined) {
    errors.push({ pointer: '/mapping', message: 'each column name (1 to 255 characters) must map to a field name' })
    return null
  }
  return value as Record<string, string>
}
