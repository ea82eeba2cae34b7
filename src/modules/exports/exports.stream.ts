import { Readable } from 'node:stream'
import type { SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Executor } from '../../db/pool.js'
import { type ListQuery, listRecords } from '../../lib/resource/resource.queries.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { BOM, type ExportFormat } from './exports.formats.js'

/** Rows read per query: large enough to amortize a round trip, small enough to stay flat. */
export const EXPORT_PAGE_SIZE = 1000

/**
 * Bytes the stream holds before it stops asking for the next page: with a
 * slow client, memory stays at about one page plus this.
 */
const HIGH_WATER_MARK = 64 * 1024

/** What one export reads: the list's own query, tenant-scoped by listRecords. */
export interface ExportSelection<R extends Row> {
  db: Executor
  def: ResourceDefinition<R>
  workspaceId: string
  /** Filters, `q` and `sort`; the limit and cursor are the export's own. */
  query: ListQuery
  /** A condition the list query does not express by itself (one instant for isOverdue). */
  extra?: SQL
  toDto: (row: R) => unknown
}

export interface ExportPage<R> {
  rows: R[]
  nextCursor: string | null
}

/**
 * One page, after `cursor` or the first. The route reads the first before
 * the answer starts, so a filter or sort that the list refuses (a sort
 * field named twice) is still a 400 problem.
 */
export function readPage<R extends Row> (
  selection: ExportSelection<R>,
  cursor?: string
): Promise<ExportPage<R>> {
  const { db, def, workspaceId, query, extra } = selection
  return listRecords(db, def, workspaceId, { ...query, limit: EXPORT_PAGE_SIZE, cursor }, extra)
}

/**
 * The file as a byte stream that reads the next keyset page only when the
 * client has taken the previous one (backpressure through pipe). When the
 * client goes away, Fastify destroys the stream, which returns the
 * generator at its current `yield`: no further page is read.
 */
export function exportStream<R extends Row> (
  selection: ExportSelection<R>,
  first: ExportPage<R>,
  format: ExportFormat,
  options: { bom: boolean, log: FastifyBaseLogger }
): Readable {
  return Readable.from(chunks(selection, first, format, options), {
    objectMode: false,
    highWaterMark: HIGH_WATER_MARK
  })
}

async function * chunks<R extends Row> (
  selection: ExportSelection<R>,
  first: ExportPage<R>,
  format: ExportFormat,
  { bom, log }: { bom: boolean, log: FastifyBaseLogger }
): AsyncGenerator<string> {
  const started = Date.now()
  let rows = 0
  let state: 'streaming' | 'finished' | 'failed' = 'streaming'
  try {
    const head = (bom ? BOM : '') + format.head()
    if (head !== '') yield head
    let page = first
    for (;;) {
      if (page.rows.length > 0) {
        yield format.page(page.rows.map((row) => selection.toDto(row) as Record<string, unknown>))
      }
      rows += page.rows.length
      if (page.nextCursor === null) break
      page = await readPage(selection, page.nextCursor)
    }
    state = 'finished'
    log.info({ rows, durationMs: Date.now() - started }, 'export finished')
  } catch (err) {
    // Headers and part of the body may be out: the connection is cut instead.
    state = 'failed'
    log.error({ err, rows }, 'export failed after it started; the response is cut short')
    throw err
  } finally {
    if (state === 'streaming') {
      log.info({ rows, durationMs: Date.now() - started }, 'export stopped: the client went away')
    }
  }
}
