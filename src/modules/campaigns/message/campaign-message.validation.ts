import { type FieldError, withFieldErrors } from '../../../lib/errors.js'
import { UnknownMergeFieldError } from './campaign-message.errors.js'
import { MERGE_FIELD_NAMES } from './campaign-message.fields.js'
import { unknownMergeFields } from './campaign-message.template.js'

export const MESSAGE_FIELDS = ['subject', 'htmlBody', 'textBody'] as const

/**
 * Refuses a campaign body (create, or the fields a patch sets) whose
 * message holds a `{{...}}` that is not a merge field: 422, one `errors`
 * entry per message field, its pointer naming the field.
 */
export function assertKnownMergeFields (values: Record<string, unknown>) {
  const errors: FieldError[] = []
  for (const field of MESSAGE_FIELDS) {
    const source = values[field]
    if (typeof source !== 'string') continue
    const unknown = unknownMergeFields(source)
    if (unknown.length === 0) continue
    errors.push({ pointer: `/${field}`, message: `unknown merge field ${unknown.join(', ')}` })
  }
  if (errors.length === 0) return
  const found = errors.map((e) => `${e.pointer.slice(1)} holds an ${e.message}`).join('; ')
  const detail = `${found}; the merge fields are ${MERGE_FIELD_NAMES.join(', ')}`
  throw withFieldErrors(new UnknownMergeFieldError(detail), errors)
}
