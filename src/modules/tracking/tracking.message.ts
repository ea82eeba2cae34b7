import type { AppDeps } from '../../deps.js'
import { escapeHtml, insertBeforeBodyEnd, rewriteLinks } from './tracking.html.js'
import {
  CLICK_PATH,
  type MessageLinks,
  messageLinks,
  OPEN_PATH,
  UNSUBSCRIBE_PATH
} from './tracking.links.js'
import type { MessageRecipient } from './tracking.tokens.js'

export type { MessageRecipient } from './tracking.tokens.js'
export { trackingBaseUrl, unsubscribeUrl } from './tracking.links.js'

/**
 * The merge field a message uses to place its unsubscribe link itself. The
 * renderer leaves it as it is (it is no person's field); trackMessage fills
 * it with the member's signed link, in the HTML and in the text.
 */
export const UNSUBSCRIBE_FIELD = 'unsubscribeUrl'
export const UNSUBSCRIBE_PLACEHOLDER = `{{${UNSUBSCRIBE_FIELD}}}`
const PLACEHOLDER = /\{\{\s*unsubscribeUrl\s*\}\}/g

/** Longer links are left untracked: the click URL would outgrow what servers accept. */
export const MAX_TRACKED_URL_LENGTH = 4096

export interface TrackedMessage {
  html: string | null
  text: string | null
  /** List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>
}

/**
 * Makes a rendered message trackable, for one recipient:
 * - every http(s) link of an anchor, area or VML shape goes through a
 *   signed click redirect (mailto:, tel:, fragments, relative links, links
 *   with an unrendered `{{field}}`, overlong links and our own links stay);
 * - the unsubscribe placeholder is filled in both bodies; a body without
 *   it (and without the link) gets a short footer with the link;
 * - the HTML gets a 1×1 open pixel before `</body>` (or at the end);
 * - the headers carry List-Unsubscribe and the RFC 8058 one-click
 *   List-Unsubscribe-Post. Mailbox providers honour one-click only for an
 *   https link: set PUBLIC_URL to one wherever mail leaves the machine.
 * A null body stays null. Pure: no I/O, the same input gives the same output.
 */
export function trackMessage (
  deps: AppDeps,
  recipient: MessageRecipient,
  message: { html: string | null, text: string | null }
): TrackedMessage {
  const links = messageLinks(deps, recipient)
  return {
    html: message.html === null ? null : trackHtml(message.html, links),
    text: message.text === null ? null : withTextUnsubscribe(message.text, links.unsubscribe),
    headers: {
      'List-Unsubscribe': `<${links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
    }
  }
}

const hasPlaceholder = (body: string) => body.search(PLACEHOLDER) !== -1

function trackHtml (html: string, links: MessageLinks): string {
  const link = escapeHtml(links.unsubscribe)
  const hasLink = hasPlaceholder(html) || html.includes(link) || html.includes(links.unsubscribe)
  const own = [OPEN_PATH, CLICK_PATH, UNSUBSCRIBE_PATH].map((path) => new URL(links.base + path).href)
  let out = html.replace(PLACEHOLDER, link)
  out = rewriteLinks(out, (href) => {
    const url = trackableUrl(href, own)
    return url === undefined ? undefined : links.click(url)
  })
  if (!hasLink) {
    out = insertBeforeBodyEnd(out, '<p style="font-size:12px;color:#666666;">' +
      `Don't want these emails? <a href="${link}">Unsubscribe</a>.</p>`)
  }
  return insertBeforeBodyEnd(out, `<img src="${escapeHtml(links.open)}" width="1" height="1" ` +
    'alt="" style="display:block;width:1px;height:1px;border:0;">')
}

function withTextUnsubscribe (text: string, link: string): string {
  if (hasPlaceholder(text)) return text.replace(PLACEHOLDER, link)
  if (text.includes(link)) return text
  const body = text.replace(/\s+$/, '')
  return `${body}${body === '' ? '' : '\n\n'}Unsubscribe: ${link}\n`
}

/**
 * The absolute http(s) URL a link goes to, normalised as a browser would
 * (WHATWG URL: no tabs or line breaks, non-ASCII percent-encoded, so it is
 * safe in a Location header), or undefined when it is not to be tracked.
 */
export function trackableUrl (href: string, ownPrefixes: readonly string[]): string | undefined {
  const value = href.trim()
  if (!/^https?:/i.test(value) || value.includes('{{')) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.href.length > MAX_TRACKED_URL_LENGTH) return undefined
  if (ownPrefixes.some((prefix) => url.href.startsWith(prefix))) return undefined
  return url.href
}
