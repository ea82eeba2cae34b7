import { defineError } from '../../lib/errors.js'

export const LeadConvertedError = defineError(
  'CRM_LEAD_CONVERTED',
  'lead %s is converted and no longer changes',
  409
)

export const LeadUnqualifiedError = defineError(
  'CRM_LEAD_UNQUALIFIED',
  'lead %s is unqualified; move it to open, contacted or qualified before converting it',
  409
)

/** A conversion names a contact that works at another account than the one it uses. */
export const ConversionContactMismatchError = defineError(
  'CRM_LEAD_CONVERSION_CONTACT_MISMATCH',
  '%s',
  422
)
