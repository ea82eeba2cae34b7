import { defineError } from '../../../lib/errors.js'

export const ContactRoleExistsError = defineError(
  'CRM_OPPORTUNITY_CONTACT_EXISTS',
  'contact %s already has a role on this opportunity; change that role instead',
  409
)
