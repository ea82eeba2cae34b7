import {
  describeCap,
  describeEngagement,
  describeRule,
  ENGAGEMENT_EVENTS,
  RULE_FIELDS
} from './lead-scoring.rules.js'
import type { ScoreEntry, ScoringRules } from './lead-scoring.schemas.js'

/**
 * A lead's score facts: what its breakdown is made of, stored as a few
 * integers instead of the breakdown itself (writing a jsonb breakdown with
 * every score made a full rescore twice as slow as writing the score). The
 * layout, which the scoring statement writes and expandFacts reads:
 *
 *   [events_0, points_0, events_1, points_1, events_2, points_2, fit...]
 *
 * one (count, decayed points) pair per ENGAGEMENT_EVENTS entry, in its
 * order, then the 0-based indices of the fit rules that matched, in rule
 * order. The descriptions, names and fit points come from the rules version
 * that scored the lead; the engagement cap is derived from the points.
 */
export const ENGAGEMENT_SLOTS = ENGAGEMENT_EVENTS.length * 2

/** The breakdown the facts stand for, read against the rules that produced them. */
export function expandFacts (rules: ScoringRules, facts: readonly number[]): ScoreEntry[] {
  const entries: ScoreEntry[] = []
  for (const index of facts.slice(ENGAGEMENT_SLOTS)) {
    const rule = rules.fit[index]
    if (rule === undefined) throw new Error(`score facts name fit rule ${index}, which the rules lack`)
    entries.push({
      rule: rule.name,
      kind: 'fit',
      field: RULE_FIELDS[rule.type],
      description: describeRule(rule),
      points: rule.points,
      events: null
    })
  }
  let engagement = 0
  for (const [i, event] of ENGAGEMENT_EVENTS.entries()) {
    const events = facts[2 * i] ?? 0
    const points = facts[2 * i + 1] ?? 0
    engagement += points
    if (events === 0) continue
    entries.push({
      rule: event.rule,
      kind: 'engagement',
      field: event.field,
      description: describeEngagement(event, rules.engagement),
      points,
      events
    })
  }
  const cap = rules.engagement.maxPoints
  if (engagement > cap) {
    entries.push({
      rule: 'engagement_cap',
      kind: 'engagement',
      field: null,
      description: describeCap(rules.engagement),
      points: cap - engagement,
      events: null
    })
  }
  return entries
}
