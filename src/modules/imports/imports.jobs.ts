import { Type } from 'typebox'
import type { JobDefinition } from '../../jobs/registry.js'
import { UuidSchema } from '../../lib/schemas.js'
import { runImport } from './imports.run.js'
import { IMPORT_JOB } from './imports.start.js'

const ImportJobPayloadSchema = Type.Object(
  { workspaceId: UuidSchema, importId: UuidSchema },
  { additionalProperties: false }
)

/**
 * Runs one import (startImport records it; the job id is the `jobs` row's).
 * Safe to run twice: a finished import is left alone, and a stalled one
 * resumes after its last committed batch.
 */
const runImportJob: JobDefinition = {
  name: IMPORT_JOB,
  queue: 'imports',
  payload: ImportJobPayloadSchema,
  process: (payload, ctx) => runImport(payload as { workspaceId: string, importId: string }, ctx)
}

export const importJobs: readonly JobDefinition[] = [runImportJob]
