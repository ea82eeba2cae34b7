import { defineError } from '../../../lib/errors.js'

export const CaseCommentNotAuthorError = defineError(
  'CRM_CASE_COMMENT_NOT_AUTHOR',
  'only the author of comment %s, an admin or a manager may change or delete it',
  403
)
