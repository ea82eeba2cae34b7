import { defineError } from '../../../lib/errors.js'

/** A policy list that names a priority twice or ends before its first response. */
export const InvalidSlaPolicyError = defineError('CRM_CASE_SLA_POLICY_INVALID', '%s', 422)
