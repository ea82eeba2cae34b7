import { defineError } from '../../lib/errors.js'

export const UnknownStageError = defineError('CRM_OPPORTUNITY_STAGE_UNKNOWN', '%s', 422)
export const LossReasonRequiredError = defineError('CRM_OPPORTUNITY_LOSS_REASON_REQUIRED', '%s', 422)
export const NoOpenStageError = defineError(
  'CRM_OPPORTUNITY_NO_OPEN_STAGE',
  'the workspace has no open stage to start an opportunity in; name a stage',
  422
)
export const AmountFromLineItemsError = defineError(
  'CRM_OPPORTUNITY_AMOUNT_FROM_LINE_ITEMS',
  'the opportunity has line items: its amount is their sum and cannot be written; ' +
    'change the line items instead',
  422
)
export const CurrencyFromLineItemsError = defineError(
  'CRM_OPPORTUNITY_CURRENCY_FROM_LINE_ITEMS',
  'the opportunity has line items priced in its currency, which cannot change until they are removed',
  422
)
