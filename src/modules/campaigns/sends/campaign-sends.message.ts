import type { OutgoingMail } from '../../../lib/mail/mail.message.js'
import { type FieldError, withFieldErrors } from '../../../lib/errors.js'
import { escapeHtml } from '../message/campaign-message.template.js'
import type { RenderedMessage } from '../message/campaign-message.render.js'
import type { CampaignRow } from './campaign-sends.campaign.js'
import { CampaignNotSendableError } from './campaign-sends.errors.js'

/** The merge field the tracking module fills; left as it is by the renderer until then. */
export const UNSUBSCRIBE_FIELD = '{{unsubscribeUrl}}'

export const SENDABLE_RULES = 'Only an email campaign (`type` email) with a `subject`, a ' +
  '`fromEmail` and an `htmlBody` or a `textBody` can be sent; otherwise 422 ' +
  '`CRM_CAMPAIGN_NOT_SENDABLE` names what is missing.'

/** Refuses a campaign that is not an email campaign with a complete message (422). */
export function assertSendable (campaign: CampaignRow) {
  const errors: FieldError[] = []
  if (campaign.type !== 'email') {
    errors.push({ pointer: '/type', message: `is ${campaign.type}, not email` })
  }
  if (campaign.subject === null) errors.push({ pointer: '/subject', message: 'is empty' })
  if (campaign.fromEmail === null) errors.push({ pointer: '/fromEmail', message: 'is empty' })
  if (campaign.htmlBody === null && campaign.textBody === null) {
    errors.push({ pointer: '/htmlBody', message: 'is empty, and so is textBody' })
  }
  if (errors.length === 0) return
  const detail = `campaign ${campaign.id} cannot be sent: ` +
    errors.map((e) => `${e.pointer.slice(1)} ${e.message}`).join('; ')
  throw withFieldErrors(new CampaignNotSendableError(detail), errors)
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase()

/**
 * The Message-ID of a campaign's message to one recipient: the send row is
 * unique per campaign and address, so a message sent again after a crash
 * carries the same id (and a receiving server may drop the copy).
 */
export const campaignMessageId = (campaign: CampaignRow, sendId: string) =>
  `<${campaign.id}.${sendId}@${domainOf(campaign.fromEmail as string)}>`

export const testMessageId = (campaign: CampaignRow, nonce: string) =>
  `<test.${campaign.id}.${nonce}@${domainOf(campaign.fromEmail as string)}>`

/** The https link of a List-Unsubscribe header, `<https://...>, <mailto:...>`. */
function unsubscribeLink (headers: Record<string, string>): string {
  const header = Object.entries(headers)
    .find(([name]) => name.toLowerCase() === 'list-unsubscribe')?.[1]
  return /<(https?:\/\/[^>]+)>/.exec(header ?? '')?.[1] ?? ''
}

/**
 * Fills `{{unsubscribeUrl}}` where the tracking step left it (it fills
 * the bodies; the subject is never its business), with the link of the
 * List-Unsubscribe header it made, HTML-escaped in the HTML body; empty
 * when there is none.
 */
export function fillUnsubscribeUrl (
  subject: string,
  tracked: { html: string | null, text: string | null, headers: Record<string, string> }
) {
  const link = unsubscribeLink(tracked.headers)
  return {
    subject: subject.replaceAll(UNSUBSCRIBE_FIELD, link),
    html: tracked.html?.replaceAll(UNSUBSCRIBE_FIELD, escapeHtml(link)) ?? null,
    text: tracked.text?.replaceAll(UNSUBSCRIBE_FIELD, link) ?? null
  }
}

/** The mail of a campaign: From and Reply-To from the campaign. */
export function campaignMail (
  campaign: CampaignRow,
  to: string,
  rendered: RenderedMessage,
  extra: { messageId: string, headers: Record<string, string> }
): OutgoingMail {
  return {
    from: { name: campaign.fromName, address: campaign.fromEmail as string },
    replyTo: campaign.replyTo,
    to,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers: extra.headers,
    messageId: extra.messageId
  }
}
