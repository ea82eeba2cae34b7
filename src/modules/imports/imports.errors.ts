import { defineError } from '../../lib/errors.js'

export const ImportNotFoundError = defineError('CRM_IMPORT_NOT_FOUND', 'No import with id %s', 404)

/** The upload is larger than IMPORT_MAX_BYTES; nothing of it is kept. */
export const ImportFileTooLargeError = defineError('CRM_IMPORT_FILE_TOO_LARGE', '%s', 413)

/** A file the worker cannot import at all (no header, an unknown column); rows before it stay. */
export const ImportFileInvalidError = defineError('CRM_IMPORT_FILE_INVALID', '%s', 422)
