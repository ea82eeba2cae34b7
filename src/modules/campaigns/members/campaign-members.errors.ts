import { defineError } from '../../../lib/errors.js'

/** The person is a live member of the campaign already; the detail names the member. */
export const CampaignMemberExistsError = defineError('CRM_CAMPAIGN_MEMBER_EXISTS', '%s', 409)

/** A move the status rules do not allow (down the ladder, or out of an outcome). */
export const MemberStatusNotAllowedError = defineError(
  'CRM_CAMPAIGN_MEMBER_STATUS_NOT_ALLOWED',
  '%s',
  409
)

/** A bulk add names or matches more people than one request may add. */
export const TooManyMembersError = defineError('CRM_CAMPAIGN_MEMBERS_TOO_MANY', '%s', 422)
