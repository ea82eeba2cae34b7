import { defineError } from '../../lib/errors.js'

export const CaseTransitionNotAllowedError = defineError(
  'CRM_CASE_TRANSITION_NOT_ALLOWED',
  '%s',
  409
)
export const CaseResolutionRequiredError = defineError(
  'CRM_CASE_RESOLUTION_REQUIRED',
  'a resolved case needs a resolution',
  422
)
export const CaseOpenedClosedError = defineError(
  'CRM_CASE_INITIAL_STATUS_CLOSED',
  '%s',
  422
)
