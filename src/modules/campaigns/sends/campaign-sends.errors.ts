import { defineError } from '../../../lib/errors.js'

/** The campaign cannot be sent as it is: not an email campaign, or its message is incomplete. */
export const CampaignNotSendableError = defineError('CRM_CAMPAIGN_NOT_SENDABLE', '%s', 422)

/**
 * The send is in a state that does not allow the action (sending twice,
 * resuming a send that is not paused).
 */
export const CampaignSendStateError = defineError('CRM_CAMPAIGN_SEND_STATE', '%s', 409)

/** The mail server refused or could not take a test message. */
export const TestSendFailedError = defineError('CRM_CAMPAIGN_TEST_SEND_FAILED', '%s', 502)
