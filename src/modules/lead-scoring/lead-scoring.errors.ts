import { defineError } from '../../lib/errors.js'

/** A rules document that passes the schema but not the rules: a range upside down, a name twice. */
export const InvalidScoringRulesError = defineError('CRM_LEAD_SCORING_RULES_INVALID', '%s', 422)
