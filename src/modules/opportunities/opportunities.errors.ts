import { defineError } from '../../lib/errors.js'

export const UnknownStageError = defineError('CRM_OPPORTUNITY_STAGE_UNKNOWN', '%s', 422)
export const LossReasonRequiredError = defineError('CRM_OPPORTUNITY_LOSS_REASON_REQUIRED', '%s', 422)
export const NoOpenStageError = defineError(
  'CRM_OPPORTUNITY_NO_OPEN_STAGE',
  'the workspace has no open stage to start an opportunity in; name a stage',
  422
)
