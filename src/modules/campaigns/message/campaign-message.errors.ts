import { defineError } from '../../../lib/errors.js'

/** A `{{...}}` in the message that is not a merge field; `errors` points at each message field. */
export const UnknownMergeFieldError = defineError('CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN', '%s', 422)
