import type { AppDeps } from '../../deps.js'

/** Who a message goes to: the ids its tracking tokens are bound to. */
export interface MessageRecipient {
  workspaceId: string
  campaignId: string
  memberId: string
  sendId: string
}

export interface TrackedMessage {
  html: string | null
  text: string | null
  /** List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>
}

/**
 * Makes a rendered message trackable: an open pixel, every link through a
 * signed click redirect, an unsubscribe link and the List-Unsubscribe headers.
 */
// TODO(#4): placeholder contract for the send worker; the tracking module implements it.
export function trackMessage (
  _deps: AppDeps,
  _recipient: MessageRecipient,
  message: { html: string | null, text: string | null }
): TrackedMessage {
  return { html: message.html, text: message.text, headers: {} }
}
