import { Type } from 'typebox'
import { DateSchema, Nullable, TimestampSchema } from '../../lib/schemas.js'

/** Building blocks shared by the three reports. */

/**
 * A sum of money: exact, always two fraction digits. Unlike MoneySchema it
 * has no 12-digit cap, since many amounts at the cap add up past it.
 */
export const AmountSumSchema = Type.String({
  pattern: '^(0|[1-9][0-9]*)\\.[0-9]{2}$',
  description: 'exact decimal sum, two fraction digits',
  examples: ['36000.00']
})

export const CountSchema = Type.Integer({ minimum: 0, examples: [12] })

/** A share of a whole, 0 to 1, rounded half up to four places; null when the whole is 0. */
export const RateSchema = Nullable(Type.String({
  pattern: '^(0\\.[0-9]{4}|1\\.0000)$',
  description: 'part / whole rounded half up to four places (0.2500 is 25 %); null when the whole is 0',
  examples: ['0.2500']
}))

// Year 0000 is valid to JSON Schema but not to Postgres, which would fail
// with a 500 instead of a 400.
const NOT_YEAR_ZERO = '^(?!0000-)'

const YEAR_MESSAGE = 'must have a year from 0001'

export const ReportDateSchema = (description: string) => Type.String({
  ...DateSchema, pattern: NOT_YEAR_ZERO, 'x-pattern-message': YEAR_MESSAGE, description
})

export const ReportTimestampSchema = (description: string) => Type.String({
  ...TimestampSchema, pattern: NOT_YEAR_ZERO, 'x-pattern-message': YEAR_MESSAGE, description
})

export const ReportIdsSchema = (description: string) => Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}' +
    '(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){0,49}$',
  'x-pattern-message': 'must be one to 50 UUIDs, comma-separated',
  description: `${description}; one or more ids, comma-separated (at most 50)`,
  examples: ['9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d']
})

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function ReportEnumListSchema (values: readonly string[], description: string) {
  const one = values.map(escapeRegExp).join('|')
  return Type.String({
    pattern: `^(${one})(,(${one})){0,${values.length - 1}}$`,
    'x-pattern-message': `must be one or more of ${values.join(', ')}, comma-separated`,
    description: `${description}; one or more of ${values.join(', ')}, comma-separated`,
    examples: [values[0]]
  })
}
