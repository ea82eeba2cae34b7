import { Type, type Static } from 'typebox'
import { CurrencySchema, Nullable, UuidSchema } from '../../lib/schemas.js'
import { AmountSumSchema, ReportDateSchema, ReportIdsSchema } from './reports.schemas.js'

export const PipelineReportQuerySchema = Type.Object(
  {
    currency: Type.Optional(Type.String({
      ...CurrencySchema,
      description: 'only opportunities in this currency count; default: the workspace currency'
    })),
    ownerId: Type.Optional(ReportIdsSchema('only opportunities owned by these users')),
    closeDateFrom: Type.Optional(ReportDateSchema('only opportunities closing on or after this date')),
    closeDateTo: Type.Optional(ReportDateSchema('only opportunities closing on or before this date')),
    includeClosed: Type.Optional(Type.Boolean({
      default: true,
      description: 'false leaves out opportunities in closed stages (won or lost)'
    }))
  },
  { additionalProperties: false }
)

export type PipelineReportQuery = Static<typeof PipelineReportQuerySchema>

const sums = {
  count: Type.Integer({
    minimum: 0,
    description: 'opportunities, with or without an amount',
    examples: [4]
  }),
  amount: Type.String({ ...AmountSumSchema, description: 'sum of amounts; an empty amount adds 0' }),
  weightedAmount: Type.String({
    ...AmountSumSchema,
    description: 'sum of each opportunity\'s expectedRevenue (amount × probability / 100, rounded ' +
      'half up to cents per opportunity); an empty amount adds 0',
    examples: ['18000.00']
  })
}

const example = {
  currency: 'EUR',
  otherCurrencyOpportunities: 1,
  totals: { count: 3, amount: '61000.00', weightedAmount: '34000.00' },
  byStage: [
    {
      stage: 'prospecting', label: 'Prospecting', position: 1, isClosed: false, isWon: false,
      count: 1, amount: '10000.00', weightedAmount: '1000.00'
    },
    {
      stage: 'qualification', label: 'Qualification', position: 2, isClosed: false, isWon: false,
      count: 0, amount: '0.00', weightedAmount: '0.00'
    },
    {
      stage: 'proposal', label: 'Proposal', position: 3, isClosed: false, isWon: false,
      count: 1, amount: '36000.00', weightedAmount: '18000.00'
    },
    {
      stage: 'negotiation', label: 'Negotiation', position: 4, isClosed: false, isWon: false,
      count: 0, amount: '0.00', weightedAmount: '0.00'
    },
    {
      stage: 'closed_won', label: 'Closed won', position: 5, isClosed: true, isWon: true,
      count: 1, amount: '15000.00', weightedAmount: '15000.00'
    },
    {
      stage: 'closed_lost', label: 'Closed lost', position: 6, isClosed: true, isWon: false,
      count: 0, amount: '0.00', weightedAmount: '0.00'
    }
  ],
  byOwner: [
    {
      ownerId: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
      count: 2,
      amount: '46000.00',
      weightedAmount: '19000.00'
    },
    { ownerId: null, count: 1, amount: '15000.00', weightedAmount: '15000.00' }
  ],
  byCloseMonth: [
    { month: '2027-02', count: 1, amount: '15000.00', weightedAmount: '15000.00' },
    { month: '2027-03', count: 1, amount: '36000.00', weightedAmount: '18000.00' },
    { month: null, count: 1, amount: '10000.00', weightedAmount: '1000.00' }
  ]
}

export const PipelineReportSchema = Type.Object(
  {
    currency: Type.String({ ...CurrencySchema, description: 'the currency every sum is in' }),
    otherCurrencyOpportunities: Type.Integer({
      minimum: 0,
      description: 'opportunities that match the filters but are in another currency, left out of every number',
      examples: [1]
    }),
    totals: Type.Object(sums, { additionalProperties: false }),
    byStage: Type.Array(
      Type.Object(
        {
          stage: Type.String({ description: 'the stage key', examples: ['proposal'] }),
          label: Type.String({ examples: ['Proposal'] }),
          position: Type.Integer({ minimum: 0, description: 'order in the pipeline', examples: [3] }),
          isClosed: Type.Boolean(),
          isWon: Type.Boolean(),
          ...sums
        },
        { additionalProperties: false }
      ),
      {
        description: 'every stage of the workspace in pipeline order (position, then key), ' +
          'empty ones with zeros'
      }
    ),
    byOwner: Type.Array(
      Type.Object(
        { ownerId: Nullable(UuidSchema), ...sums },
        { additionalProperties: false }
      ),
      {
        description: 'one entry per owner with at least one opportunity (null: no owner), largest amount ' +
          'first, then most opportunities, then by owner id with null last'
      }
    ),
    byCloseMonth: Type.Array(
      Type.Object(
        {
          month: Nullable(Type.String({
            pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
            description: 'YYYY-MM of the close date; null: no close date',
            examples: ['2027-03']
          })),
          ...sums
        },
        { additionalProperties: false }
      ),
      { description: 'one entry per month with at least one opportunity, oldest first, null last' }
    )
  },
  {
    $id: 'PipelineReport',
    description: 'Counts, amounts and weighted amounts of the pipeline, in one currency',
    additionalProperties: false,
    examples: [example]
  }
)

export type PipelineReport = Static<typeof PipelineReportSchema>
