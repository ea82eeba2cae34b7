import type { SQL } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { ListQuery } from '../../lib/resource/resource.queries.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { accountResource } from '../accounts/accounts.resource.js'
import { campaignResource } from '../campaigns/campaigns.resource.js'
import { overdueFilter } from '../cases/cases.overdue.js'
import { caseResource, caseToDto } from '../cases/cases.resource.js'
import { contactResource } from '../contacts/contacts.resource.js'
import { leadResource } from '../leads/leads.resource.js'
import { opportunityResource } from '../opportunities/opportunities.resource.js'
import { productResource } from '../products/products.resource.js'
import { exportColumns } from './exports.columns.js'
import { csvFormat, type ExportFormat, type ExportFormatName, ndjsonFormat } from './exports.formats.js'
import {
  describeExport, exportFilename, exportQuerySchema, exportResponses
} from './exports.schemas.js'
import { type ExportSelection, exportStream, readPage } from './exports.stream.js'

type ExportQuery = ListQuery & { format: ExportFormatName, bom: boolean }

/**
 * What a resource's export does beyond its generic list. `narrow` takes
 * parameters that depend on the clock out of the query and turns them into
 * one condition; `now` is fixed for the whole export, and `toDto` gets the
 * same instant, so a filter and a computed field never disagree across
 * pages.
 */
interface ExportHooks<R extends Row> {
  narrow?: (query: ListQuery, now: Date) => { query: ListQuery, extra?: SQL }
  toDto?: (row: R, now: Date) => unknown
}

/** `GET /v1/<collection>/export` for the seven record resources. */
export async function exportsRoutes (app: FastifyInstance) {
  registerExport(app, accountResource)
  registerExport(app, contactResource)
  registerExport(app, leadResource)
  registerExport(app, opportunityResource)
  registerExport(app, productResource)
  registerExport(app, caseResource, {
    narrow: (query, now) => {
      const { isOverdue, ...rest } = query as ListQuery & { isOverdue?: boolean }
      const extra = isOverdue === undefined ? undefined : overdueFilter(isOverdue, now)
      return { query: rest, extra }
    },
    toDto: (row, now) => caseToDto(row, now)
  })
  registerExport(app, campaignResource)
}

export function registerExport<R extends Row> (
  app: FastifyInstance,
  def: ResourceDefinition<R>,
  hooks: ExportHooks<R> = {}
) {
  const columns = exportColumns(def.schemas.record, (id) => app.getSchema(id))
  const formats: Record<ExportFormatName, ExportFormat> = {
    csv: csvFormat(columns),
    ndjson: ndjsonFormat
  }
  // The record schema's own example, in its field order, through the real encoders.
  const recordExample = (def.schemas.record as { examples?: Record<string, unknown>[] }).examples?.[0]
  const example = [recordToDto<Record<string, unknown>>(def.schemas.record, recordExample ?? {})]
  const examples = {
    csv: formats.csv.head() + formats.csv.page(example),
    ndjson: formats.ndjson.page(example)
  }

  app.get(`/v1/${def.plural}/export`, {
    config: { permission: { resource: def.plural, action: 'read' } },
    // A HEAD would read the whole export only to throw it away.
    exposeHeadRoute: false,
    schema: {
      tags: ['Exports'],
      operationId: `export${def.nounPlural}`,
      summary: `Export ${def.plural} as CSV or NDJSON`,
      description: describeExport(def),
      security: [{ bearerAuth: [] }],
      querystring: exportQuerySchema(def),
      response: exportResponses(def, examples)
    }
  }, async (request, reply) => {
    const now = new Date()
    const { format: name, bom, ...listQuery } = request.query as ExportQuery
    const narrowed = hooks.narrow?.(listQuery, now) ?? { query: listQuery }
    const toDto = hooks.toDto
    const selection: ExportSelection<R> = {
      db: app.deps.db,
      def,
      workspaceId: request.tenant.workspaceId,
      query: narrowed.query,
      extra: narrowed.extra,
      toDto: toDto === undefined ? def.toDto : (row) => toDto(row, now)
    }
    const first = await readPage(selection)

    const format = formats[name]
    const log = request.log.child({ collection: def.plural, format: name })
    reply
      .type(format.contentType)
      .header('content-disposition', `attachment; filename="${exportFilename(def, format, now)}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
    return reply.send(exportStream(selection, first, format, { bom: bom && name === 'csv', log }))
  })
}
