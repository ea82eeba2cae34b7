import { Decimal } from 'decimal.js'
import { type FieldError, withFieldErrors } from '../../lib/errors.js'
import { InvalidScoringRulesError } from './lead-scoring.errors.js'
import type {
  EngagementRules,
  FitRule,
  ReplaceScoringRulesBody,
  ScoringRules
} from './lead-scoring.schemas.js'

/**
 * Checks a rules document beyond its schema and gives it its stored form:
 * every bound present (null when unbounded). Answers 422 naming each
 * problem: a range with no bound, a minimum above its maximum, a name used
 * twice.
 */
export function normalizeRules (body: ReplaceScoringRulesBody): ScoringRules {
  const errors: FieldError[] = []
  const names = new Map<string, number>()
  const fit = body.fit.map((input, i): FitRule => {
    const first = names.get(input.name)
    if (first !== undefined) {
      errors.push({ pointer: `/fit/${i}/name`, message: `is the name of rule ${first} already` })
    } else names.set(input.name, i)
    if (input.type !== 'company_size' && input.type !== 'estimated_amount') return input
    const min = input.min ?? null
    const max = input.max ?? null
    if (min === null && max === null) {
      errors.push({ pointer: `/fit/${i}`, message: 'a range needs min, max or both' })
    } else if (min !== null && max !== null && new Decimal(min).greaterThan(max)) {
      errors.push({ pointer: `/fit/${i}/max`, message: `must be at least min (${min})` })
    }
    return input.type === 'company_size'
      ? { ...input, min: min as number | null, max: max as number | null }
      : { ...input, min: min as string | null, max: max as string | null, currency: input.currency ?? null }
  })
  if (errors.length > 0) {
    const detail = errors.map((e) => `${e.pointer}: ${e.message}`).join('; ')
    throw withFieldErrors(new InvalidScoringRulesError(detail), errors)
  }
  const engagement: EngagementRules = {
    ...body.engagement,
    halfLifeDays: body.engagement.halfLifeDays ?? null
  }
  return { fit, engagement }
}

/** The lead field each fit rule looks at, as the API names it. */
export const RULE_FIELDS = {
  industry: 'industry',
  title_contains: 'title',
  source: 'source',
  company_size: 'numberOfEmployees',
  estimated_amount: 'estimatedAmount',
  email_domain: 'email'
} as const satisfies Record<FitRule['type'], string>

const SHOWN_VALUES = 5
const SHOWN_LENGTH = 40

function listed (values: readonly string[]): string {
  const shown = values.slice(0, SHOWN_VALUES).map((v) => {
    const cut = v.length > SHOWN_LENGTH ? `${v.slice(0, SHOWN_LENGTH)}…` : v
    return `"${cut}"`
  })
  const rest = values.length - shown.length
  if (rest > 0) return `${shown.join(', ')} or ${rest} more`
  if (shown.length === 1) return shown[0] as string
  return `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`
}

function range (field: string, min: string | number | null, max: string | number | null): string {
  if (min !== null && max !== null) return `${field} from ${min} to ${max}`
  return min !== null ? `${field} at least ${min}` : `${field} at most ${max}`
}

/**
 * What a rule checks, in a few words, for the breakdown. Kept short (it is
 * stored with every lead it matched): long value lists are cut.
 */
export function describeRule (rule: FitRule): string {
  switch (rule.type) {
    case 'industry': return `industry is ${listed(rule.anyOf)}`
    case 'title_contains': return `title contains ${listed(rule.anyOf)}`
    case 'source': return `source is ${listed(rule.anyOf)}`
    case 'company_size': return range('numberOfEmployees', rule.min, rule.max)
    case 'estimated_amount': {
      // A document stored before rules named a currency has no such key.
      const currency = rule.currency ?? null
      return `${range('estimatedAmount', rule.min, rule.max)}${currency === null ? '' : ` ${currency}`}`
    }
    case 'email_domain':
      return rule.freeMail ? 'email is at a free-mail provider' : 'email is not at a free-mail provider'
  }
}

export const ENGAGEMENT_EVENTS = [
  { rule: 'opened', field: 'openedAt', noun: 'opens', points: 'openedPoints' },
  { rule: 'clicked', field: 'clickedAt', noun: 'clicks', points: 'clickedPoints' },
  { rule: 'responded', field: 'respondedAt', noun: 'responses', points: 'respondedPoints' }
] as const

export function describeEngagement (
  event: (typeof ENGAGEMENT_EVENTS)[number],
  rules: EngagementRules
): string {
  const each = `campaign ${event.noun}, ${rules[event.points]} points each`
  return rules.halfLifeDays === null ? each : `${each}, halving every ${rules.halfLifeDays} days`
}

export const describeCap = (rules: EngagementRules) => `engagement capped at ${rules.maxPoints} points`
