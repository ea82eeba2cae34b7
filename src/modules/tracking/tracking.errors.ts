import { defineError } from '../../lib/errors.js'

/**
 * A tracking or unsubscribe link that does not verify: forged, altered, cut
 * short, of another kind, or a click whose URL is not the one it was signed for.
 */
export const TrackingLinkNotFoundError = defineError('CRM_TRACKING_LINK_NOT_FOUND', '%s', 404)
