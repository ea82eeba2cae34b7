import type { ScoringRules } from './lead-scoring.schemas.js'

/** Bounds of a rules document: what one PUT may hold, and what each lead's breakdown may grow to. */
export const MAX_FIT_RULES = 50
export const MAX_RULE_VALUES = 50
export const MAX_VALUE_LENGTH = 200
export const MAX_POINTS = 100
export const MAX_HALF_LIFE_DAYS = 3650
export const MAX_EMPLOYEES = 100_000_000

/** Leads per statement of a workspace rescore (keyset on id). */
export const RESCORE_CHUNK = 5000

/** Scores are clamped to this range after the points are added up. */
export const SCORE_MIN = 0
export const SCORE_MAX = 100

/** The version a workspace's rules have before its first PUT: the defaults below. */
export const DEFAULT_RULES_VERSION = 0

/**
 * The rules of a workspace that has set none: a business address, a title
 * that decides, a warm source, a company of some size and a real budget
 * make a lead; a free-mail address costs a little; campaign engagement adds
 * up to 40 points, halving every 30 days.
 *
 * They are version 0 of every workspace, and leads scored with them are
 * explained against them (lead-scoring.facts.ts): changing them changes
 * those leads' breakdowns too, so a change of the defaults needs its own
 * version number and a rescore.
 */
export const DEFAULT_RULES: ScoringRules = {
  fit: [
    { name: 'Business email', type: 'email_domain', freeMail: false, points: 10 },
    { name: 'Free-mail address', type: 'email_domain', freeMail: true, points: -5 },
    {
      name: 'Decision maker',
      type: 'title_contains',
      anyOf: ['chief', 'director', 'head', 'vp', 'vice president', 'founder', 'owner'],
      points: 15
    },
    { name: 'Warm source', type: 'source', anyOf: ['referral', 'partner', 'existing_customer'], points: 15 },
    { name: 'Inbound source', type: 'source', anyOf: ['web', 'event'], points: 5 },
    { name: '50 or more employees', type: 'company_size', min: 50, max: null, points: 10 },
    {
      name: 'Budget of 10,000 or more',
      type: 'estimated_amount',
      min: '10000.00',
      max: null,
      currency: null,
      points: 15
    }
  ],
  engagement: {
    openedPoints: 2,
    clickedPoints: 5,
    respondedPoints: 15,
    halfLifeDays: 30,
    maxPoints: 40
  }
}
