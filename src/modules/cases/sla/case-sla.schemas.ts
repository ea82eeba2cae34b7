import { Type, type Static } from 'typebox'
import { StringEnum } from '../../../lib/schemas.js'
import { CASE_PRIORITIES } from '../cases.schemas.js'
import { DEFAULT_SERVICE_LEVELS, MAX_SLA_MINUTES, SLA_PRIORITIES } from './case-sla.defaults.js'

const minutes = (description: string, examples: number[]) =>
  Type.Integer({ minimum: 1, maximum: MAX_SLA_MINUTES, description, examples })

const firstResponseMinutes = () => minutes(
  'minutes after the case is opened by which the first public comment is due',
  [60]
)
const resolutionMinutes = () => minutes(
  'minutes after the case is opened by which it is due to be resolved; ' +
    'at least firstResponseMinutes',
  [240]
)

const defaults = SLA_PRIORITIES.map((priority) => ({
  priority,
  ...DEFAULT_SERVICE_LEVELS[priority],
  isDefault: true
}))

/** The service level of one priority as the workspace applies it. */
export const CaseSlaPolicySchema = Type.Object(
  {
    priority: StringEnum(CASE_PRIORITIES),
    firstResponseMinutes: firstResponseMinutes(),
    resolutionMinutes: resolutionMinutes(),
    isDefault: Type.Boolean({
      description: 'true when the workspace has not set this priority and the default applies'
    })
  },
  {
    $id: 'CaseSlaPolicy',
    description: 'The service level of one case priority in the workspace',
    additionalProperties: false,
    examples: [{
      priority: 'urgent', firstResponseMinutes: 30, resolutionMinutes: 240, isDefault: false
    }]
  }
)

export const CaseSlaPolicyListSchema = Type.Object(
  { data: Type.Array(Type.Unsafe<CaseSlaPolicy>(Type.Ref('CaseSlaPolicy'))) },
  {
    description: 'The service level of every priority, from urgent to low',
    additionalProperties: false,
    examples: [{ data: defaults }]
  }
)

export const ReplaceCaseSlaPoliciesBodySchema = Type.Object(
  {
    policies: Type.Array(
      Type.Object(
        {
          priority: StringEnum(CASE_PRIORITIES),
          firstResponseMinutes: firstResponseMinutes(),
          resolutionMinutes: resolutionMinutes()
        },
        { additionalProperties: false }
      ),
      {
        maxItems: CASE_PRIORITIES.length,
        description: 'at most one entry per priority; a priority left out uses the default'
      }
    )
  },
  {
    additionalProperties: false,
    examples: [{
      policies: [
        { priority: 'urgent', firstResponseMinutes: 30, resolutionMinutes: 240 },
        { priority: 'high', firstResponseMinutes: 120, resolutionMinutes: 960 }
      ]
    }]
  }
)

export type CaseSlaPolicy = Static<typeof CaseSlaPolicySchema>
export type ReplaceCaseSlaPoliciesBody = Static<typeof ReplaceCaseSlaPoliciesBodySchema>
