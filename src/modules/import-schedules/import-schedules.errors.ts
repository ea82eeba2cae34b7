import { defineError } from '../../lib/errors.js'

/** A schedule whose cron, time zone, source or import settings cannot work; `errors` points at each. */
export const ImportScheduleInvalidError = defineError('CRM_IMPORT_SCHEDULE_INVALID', '%s', 422)
