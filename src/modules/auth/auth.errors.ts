import { defineError } from '../../lib/errors.js'

/** The credential is well-formed but its user or workspace is gone. */
export const NotFoundAfterAuthError = defineError(
  'CRM_CREDENTIAL_SUBJECT_GONE',
  'the user or workspace of this credential no longer exists',
  401
)
