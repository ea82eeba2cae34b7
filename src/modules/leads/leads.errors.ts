import { defineError } from '../../lib/errors.js'

export const LeadConvertedError = defineError(
  'CRM_LEAD_CONVERTED',
  'lead %s is converted and no longer changes',
  409
)
