import { defineError } from '../../lib/errors.js'

export const StageKeyTakenError = defineError(
  'CRM_OPPORTUNITY_STAGE_KEY_TAKEN',
  'another stage of this workspace already has the key %s',
  409
)
export const StageWonNotClosedError = defineError(
  'CRM_OPPORTUNITY_STAGE_WON_NOT_CLOSED',
  'a won stage must be closed: isWon needs isClosed',
  422
)
export const LastOpenStageError = defineError(
  'CRM_OPPORTUNITY_STAGE_LAST_OPEN',
  'stage %s is the last open stage; the pipeline needs one to start opportunities in',
  409
)
export const StageInUseError = defineError(
  'CRM_OPPORTUNITY_STAGE_IN_USE',
  'stage %s is the stage of %d live opportunities; move them to another stage first',
  409
)
export const StageLimitError = defineError(
  'CRM_OPPORTUNITY_STAGE_LIMIT_REACHED',
  'a workspace has at most %d stages',
  409
)
