import { Type, type Static } from 'typebox'
import { Nullable } from '../../lib/schemas.js'
import { CASE_PRIORITIES, CASE_STATUSES, CLOSED_CASE_STATUSES } from '../cases/cases.schemas.js'
import { CountSchema, ReportIdsSchema, ReportTimestampSchema } from './reports.schemas.js'

/** The statuses a case is open in: all but the closed ones. */
export const OPEN_CASE_STATUSES = CASE_STATUSES.filter((s) => !CLOSED_CASE_STATUSES.includes(s))

export const CasesReportQuerySchema = Type.Object(
  {
    ownerId: Type.Optional(ReportIdsSchema('only cases owned by these users')),
    accountId: Type.Optional(ReportIdsSchema('only cases of these accounts')),
    createdAtFrom: Type.Optional(ReportTimestampSchema('only cases created at or after this time')),
    createdAtTo: Type.Optional(ReportTimestampSchema('only cases created at or before this time'))
  },
  { additionalProperties: false }
)

export type CasesReportQuery = Static<typeof CasesReportQuerySchema>

const counts = (keys: readonly string[], description: string) => Type.Object(
  Object.fromEntries(keys.map((k) => [k, CountSchema])) as Record<string, typeof CountSchema>,
  { additionalProperties: false, description }
)

const seconds = (description: string) => Nullable(Type.Number({
  minimum: 0,
  description: `${description}, in seconds (milliseconds as fraction); null when no case is resolved`,
  examples: [86400.5]
}))

const example = {
  open: {
    total: 14,
    byPriority: { low: 2, normal: 7, high: 4, urgent: 1 },
    byStatus: { new: 3, assigned: 4, in_progress: 5, pending_customer: 1, escalated: 1 }
  },
  slaBreaches: { firstResponse: 3, resolution: 5, openOverdue: 4 },
  resolved: { count: 31, medianResolutionSeconds: 52200, averageResolutionSeconds: 90112.25 }
}

export const CasesReportSchema = Type.Object(
  {
    open: Type.Object(
      {
        total: Type.Integer({ minimum: 0, description: 'open cases (isClosed false)', examples: [14] }),
        byPriority: counts(CASE_PRIORITIES, 'open cases per priority; every priority is present'),
        byStatus: counts(OPEN_CASE_STATUSES, 'open cases per status; every open status is present')
      },
      { additionalProperties: false }
    ),
    slaBreaches: Type.Object(
      {
        firstResponse: Type.Integer({
          minimum: 0,
          description: 'open or closed cases first answered after firstResponseDueAt, or not answered ' +
            'and past it now',
          examples: [3]
        }),
        resolution: Type.Integer({
          minimum: 0,
          description: 'closed cases that entered a closed status (closedAt, else resolvedAt) after ' +
            'resolutionDueAt, and open cases past it now',
          examples: [5]
        }),
        openOverdue: Type.Integer({
          minimum: 0,
          description: 'open cases overdue now: exactly the cases whose isOverdue is true',
          examples: [4]
        })
      },
      { additionalProperties: false }
    ),
    resolved: Type.Object(
      {
        count: Type.Integer({
          minimum: 0,
          description: 'cases with a resolvedAt (resolved, or closed after being resolved)',
          examples: [31]
        }),
        medianResolutionSeconds: seconds('the median of resolvedAt − createdAt (percentile_cont(0.5))'),
        averageResolutionSeconds: seconds('the mean of resolvedAt − createdAt, rounded to milliseconds')
      },
      { additionalProperties: false }
    )
  },
  {
    $id: 'CasesReport',
    description: 'Open cases by priority and status, breaches of the service levels, and resolution times',
    additionalProperties: false,
    examples: [example]
  }
)

export type CasesReport = Static<typeof CasesReportSchema>
