import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/pool.js'
import { decodeCursor, encodeCursor } from '../../lib/list/cursor.js'
import { BadRequestError, withFieldErrors } from '../../lib/errors.js'
import type { ImportDto, ListImportsQuery } from './imports.schemas.js'
import { importErrors, imports } from './imports.table.js'

export type ImportRow = typeof imports.$inferSelect

/** The import as the API shows it: everything but the stored file's path and the checkpoint. */
export function toImportDto (row: ImportRow): ImportDto {
  return {
    id: row.id,
    object: row.object as ImportDto['object'],
    format: row.format as ImportDto['format'],
    mode: row.mode as ImportDto['mode'],
    upsertKey: row.upsertKey,
    mapping: (row.mapping as Record<string, string> | null) ?? null,
    dryRun: row.dryRun,
    status: row.status as ImportDto['status'],
    fileName: row.fileName,
    fileSize: row.fileSize,
    checksum: row.checksum,
    scheduleId: row.scheduleId,
    jobId: row.jobId,
    rowsRead: row.rowsRead,
    rowsCreated: row.rowsCreated,
    rowsUpdated: row.rowsUpdated,
    rowsSkipped: row.rowsSkipped,
    rowsFailed: row.rowsFailed,
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null
  }
}

/** The import of the workspace, or undefined (also for another workspace's). */
export async function getImport (db: Executor, workspaceId: string, id: string): Promise<ImportRow | undefined> {
  const rows = await db
    .select()
    .from(imports)
    .where(and(eq(imports.workspaceId, workspaceId), eq(imports.id, id)))
  return rows[0]
}

const SORT = '-createdAt,-id'

/** A keyset page of the workspace's imports, newest first. */
export async function listImports (
  db: Executor,
  workspaceId: string,
  query: ListImportsQuery
): Promise<{ rows: ImportRow[], nextCursor: string | null }> {
  const limit = query.limit ?? 50
  const conditions: (SQL | undefined)[] = [
    eq(imports.workspaceId, workspaceId),
    query.object === undefined ? undefined : eq(imports.object, query.object),
    query.status === undefined ? undefined : eq(imports.status, query.status)
  ]
  if (query.cursor !== undefined) {
    const [createdAt, id] = decodeCursor(query.cursor, SORT, 2)
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' ||
      !/^[0-9a-f-]{36}$/i.test(id)) {
      const message = 'cursor is not one this API issued'
      throw withFieldErrors(new BadRequestError(message), [{ pointer: 'cursor', message }])
    }
    const at = new Date(createdAt)
    conditions.push(or(lt(imports.createdAt, at), and(eq(imports.createdAt, at), lt(imports.id, id))))
  }
  const rows = await db
    .select()
    .from(imports)
    .where(and(...conditions))
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(limit + 1)
  if (rows.length <= limit) return { rows, nextCursor: null }
  const page = rows.slice(0, limit)
  const last = page[page.length - 1] as ImportRow
  return { rows: page, nextCursor: encodeCursor({ sort: SORT, values: [last.createdAt.toISOString(), last.id] }) }
}

export interface ImportErrorRow {
  rowNumber: number
  reason: string
  raw: string | null
}

/** Failed rows of an import after `afterRow`, in row order. */
export async function importErrorsAfter (
  db: Executor,
  importId: string,
  afterRow: number,
  limit: number
): Promise<ImportErrorRow[]> {
  return db
    .select({ rowNumber: importErrors.rowNumber, reason: importErrors.reason, raw: importErrors.raw })
    .from(importErrors)
    .where(and(eq(importErrors.importId, importId), gt(importErrors.rowNumber, afterRow)))
    .orderBy(asc(importErrors.rowNumber))
    .limit(limit)
}

/**
 * Marks a queued or running import running and answers it; undefined when
 * it is gone or already over (a job that runs again does nothing).
 */
export async function claimImport (db: Executor, workspaceId: string, id: string): Promise<ImportRow | undefined> {
  const rows = await db
    .update(imports)
    .set({ status: 'running', startedAt: sql`coalesce(${imports.startedAt}, now())`, updatedAt: sql`now()` })
    .where(and(eq(imports.workspaceId, workspaceId), eq(imports.id, id), inArray(imports.status, ['queued', 'running'])))
    .returning()
  return rows[0]
}

/** The import's final outcome; a failure keeps the rows already committed. */
export async function finishImport (
  db: Executor,
  id: string,
  outcome: { status: 'succeeded' } | { status: 'failed', error: string }
): Promise<ImportRow | undefined> {
  const rows = await db
    .update(imports)
    .set({
      status: outcome.status,
      error: outcome.status === 'failed' ? outcome.error : null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`
    })
    .where(and(eq(imports.id, id), eq(imports.status, 'running')))
    .returning()
  return rows[0]
}
