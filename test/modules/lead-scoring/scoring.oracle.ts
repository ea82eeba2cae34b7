import { Decimal } from 'decimal.js'
import { FREE_MAIL } from '../../../src/modules/leads/conversion/lead-conversion.matching.js'
import {
  describeCap,
  describeEngagement,
  describeRule,
  ENGAGEMENT_EVENTS
} from '../../../src/modules/lead-scoring/lead-scoring.rules.js'
import type { FitRule, ScoringRules } from '../../../src/modules/lead-scoring/lead-scoring.schemas.js'

/**
 * The scoring rules recomputed by hand, in plain JavaScript, from the rules
 * document: what the compiled SQL must agree with. Only the wording of the
 * descriptions is borrowed from the module; which rules match and their
 * points are worked out here.
 */

export interface OracleLead {
  industry: string | null
  title: string | null
  source: string | null
  numberOfEmployees: number | null
  estimatedAmount: string | null
  /** EUR when left out (what insertLeads stores). */
  currency?: string
  email: string | null
}

export interface OracleMember {
  openedAt: Date | null
  clickedAt: Date | null
  respondedAt: Date | null
}

export interface OracleEntry {
  rule: string
  kind: 'fit' | 'engagement'
  field: string | null
  description: string
  points: number
  events: number | null
}

const FIELD: Record<FitRule['type'], string> = {
  industry: 'industry',
  title_contains: 'title',
  source: 'source',
  company_size: 'numberOfEmployees',
  estimated_amount: 'estimatedAmount',
  email_domain: 'email'
}

const DAY_MS = 86_400_000

function inRange (value: Decimal | null, min: string | number | null, max: string | number | null) {
  if (value === null) return false
  if (min !== null && value.lessThan(min)) return false
  if (max !== null && value.greaterThan(max)) return false
  return true
}

function matches (rule: FitRule, lead: OracleLead): boolean {
  switch (rule.type) {
    case 'industry': {
      const industry = lead.industry
      return industry !== null && rule.anyOf.some((v) => v.toLowerCase() === industry.toLowerCase())
    }
    case 'title_contains': {
      const title = lead.title
      return title !== null && rule.anyOf.some((v) => title.toLowerCase().includes(v.toLowerCase()))
    }
    case 'source':
      return lead.source !== null && (rule.anyOf as string[]).includes(lead.source)
    case 'company_size': {
      const n = lead.numberOfEmployees
      return inRange(n === null ? null : new Decimal(n), rule.min, rule.max)
    }
    case 'estimated_amount': {
      if (rule.currency !== null && rule.currency !== (lead.currency ?? 'EUR')) return false
      const amount = lead.estimatedAmount
      return inRange(amount === null ? null : new Decimal(amount), rule.min, rule.max)
    }
    case 'email_domain': {
      const at = lead.email?.lastIndexOf('@') ?? -1
      if (lead.email === null || at < 0) return false
      const isFree = FREE_MAIL.has(lead.email.slice(at + 1).toLowerCase())
      return rule.freeMail ? isFree : !isFree
    }
  }
}

/** Whole days from the event's UTC date to the asOf day; 0 for events on or after it. */
function ageInDays (at: Date, asOfDay: string): number {
  const eventDay = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
  return Math.max(0, Math.round((Date.parse(`${asOfDay}T00:00:00Z`) - eventDay) / DAY_MS))
}

export function oracleScore (
  rules: ScoringRules,
  lead: OracleLead,
  members: readonly OracleMember[],
  asOfDay: string
): { score: number, breakdown: OracleEntry[] } {
  const breakdown: OracleEntry[] = []
  for (const rule of rules.fit) {
    if (!matches(rule, lead)) continue
    breakdown.push({
      rule: rule.name,
      kind: 'fit',
      field: FIELD[rule.type],
      description: describeRule(rule),
      points: rule.points,
      events: null
    })
  }

  const e = rules.engagement
  let engagement = 0
  for (const event of ENGAGEMENT_EVENTS) {
    const times = members.map((m) => m[event.field]).filter((d): d is Date => d !== null)
    if (times.length === 0) continue
    const each = e[event.points]
    const points = times.reduce((sum, at) => {
      if (e.halfLifeDays === null) return sum + each
      return sum + Math.floor(each * 0.5 ** (ageInDays(at, asOfDay) / e.halfLifeDays) + 0.5)
    }, 0)
    engagement += points
    breakdown.push({
      rule: event.rule,
      kind: 'engagement',
      field: event.field,
      description: describeEngagement(event, e),
      points,
      events: times.length
    })
  }
  if (engagement > e.maxPoints) {
    breakdown.push({
      rule: 'engagement_cap',
      kind: 'engagement',
      field: null,
      description: describeCap(e),
      points: e.maxPoints - engagement,
      events: null
    })
  }
  const raw = breakdown.reduce((sum, entry) => sum + entry.points, 0)
  return { score: Math.min(100, Math.max(0, raw)), breakdown }
}
