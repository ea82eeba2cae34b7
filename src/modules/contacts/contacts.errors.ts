import { defineError } from '../../lib/errors.js'

export const ContactEmailTakenError = defineError('CRM_CONTACT_EMAIL_TAKEN', '%s', 409)
