import { Type, type Static } from 'typebox'
import { Nullable, StringEnum } from '../../lib/schemas.js'
import { LEAD_SOURCES, LEAD_STATUSES } from '../leads/leads.schemas.js'
import {
  CountSchema,
  RateSchema,
  ReportEnumListSchema,
  ReportIdsSchema,
  ReportTimestampSchema
} from './reports.schemas.js'

export const LeadsReportQuerySchema = Type.Object(
  {
    createdAtFrom: Type.Optional(ReportTimestampSchema('only leads created at or after this time')),
    createdAtTo: Type.Optional(ReportTimestampSchema('only leads created at or before this time')),
    ownerId: Type.Optional(ReportIdsSchema('only leads owned by these users')),
    campaignId: Type.Optional(ReportIdsSchema('only leads brought by these campaigns')),
    source: Type.Optional(ReportEnumListSchema(LEAD_SOURCES, 'only leads from these sources'))
  },
  { additionalProperties: false }
)

export type LeadsReportQuery = Static<typeof LeadsReportQuerySchema>

const example = {
  total: 40,
  byStatus: { open: 12, contacted: 9, qualified: 6, unqualified: 3, converted: 10 },
  bySource: [
    { source: 'web', total: 25, converted: 8, conversionRate: '0.3200' },
    { source: 'event', total: 10, converted: 2, conversionRate: '0.2000' },
    { source: null, total: 5, converted: 0, conversionRate: '0.0000' }
  ],
  converted: 10,
  conversionRate: '0.2500',
  averageScore: '61.25'
}

export const LeadsReportSchema = Type.Object(
  {
    total: Type.Integer({ minimum: 0, description: 'leads that match the filters', examples: [40] }),
    byStatus: Type.Object(
      Object.fromEntries(LEAD_STATUSES.map((s) => [s, CountSchema])) as
        Record<(typeof LEAD_STATUSES)[number], typeof CountSchema>,
      { additionalProperties: false, description: 'leads per status; every status is present' }
    ),
    bySource: Type.Array(
      Type.Object(
        {
          source: Nullable(StringEnum(LEAD_SOURCES, {
            description: 'null: no source given',
            examples: ['web']
          })),
          total: CountSchema,
          converted: CountSchema,
          conversionRate: RateSchema
        },
        { additionalProperties: false }
      ),
      {
        description: 'one entry per source with at least one lead (null: no source), most leads first, ' +
          'then by source with null last'
      }
    ),
    converted: Type.Integer({ minimum: 0, description: 'leads with status converted', examples: [10] }),
    conversionRate: RateSchema,
    averageScore: Nullable(Type.String({
      pattern: '^(0|[1-9][0-9]{0,2})\\.[0-9]{2}$',
      description: 'mean score of the scored leads, rounded half up to two places; null when none is scored',
      examples: ['61.25']
    }))
  },
  {
    $id: 'LeadsReport',
    description: 'Leads by status and source, with conversion rates',
    additionalProperties: false,
    examples: [example]
  }
)

export type LeadsReport = Static<typeof LeadsReportSchema>
