/**
 * The small amount of HTML handling that tracking needs, without a parser:
 * finding the links of anchors (and of the VML shapes Outlook draws
 * buttons with), reading an attribute value as a browser would (entities
 * decoded) and writing one back safely.
 */

const ENTITY = /&(?:#x([0-9a-f]{1,6});?|#([0-9]{1,7});?|(amp|lt|gt|quot|apos);)/gi
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' }

function codePoint (value: number): string {
  const valid = value > 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff)
  return valid ? String.fromCodePoint(value) : '\ufffd'
}

/** An attribute value as the browser reads it: character references decoded. */
export function decodeEntities (value: string): string {
  return value.replace(ENTITY, (_all, hex?: string, dec?: string, named?: string) => {
    if (hex !== undefined) return codePoint(Number.parseInt(hex, 16))
    if (dec !== undefined) return codePoint(Number.parseInt(dec, 10))
    return NAMED[(named as string).toLowerCase()] as string
  })
}

/** Safe inside a quoted attribute value and inside text. */
export function escapeHtml (value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('\'', '&#39;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
}

/** Tags whose href is a link a reader follows: anchors, image-map areas, VML shapes. */
const LINK_TAG = /^(?:a|area|v:[a-z]+)$/i
/** Elements whose content is text, not markup: a `<a` inside them is no tag. */
const RAW_TEXT = ['script', 'style', 'textarea', 'title']
const RAW_TEXT_END = new Map(RAW_TEXT.map((name) => [name, new RegExp(`</${name}[\\s/>]`, 'gi')]))

const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f'
const isLetter = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c)

interface Tag {
  name: string
  /** Just after the closing `>`. */
  end: number
  /** The first href: where its value (quotes included) starts and ends, and the value. */
  href?: { start: number, end: number, value: string }
}

/**
 * The start tag at `lt`, read as the HTML tokenizer reads it (attribute
 * names, `=`, quoted or bare values); undefined when the document ends
 * inside it. Each character is looked at once.
 */
function scanTag (html: string, lt: number): Tag | undefined {
  const n = html.length
  let i = lt + 1
  while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>') i++
  const tag: Tag = { name: html.slice(lt + 1, i), end: n }
  while (i < n) {
    const c = html[i]
    if (c === '>') return { ...tag, end: i + 1 }
    if (isSpace(c) || c === '/') {
      i++
      continue
    }
    const nameStart = i++
    while (i < n && !isSpace(html[i]) && !'/>='.includes(html[i] as string)) i++
    const name = html.slice(nameStart, i)
    while (isSpace(html[i])) i++
    if (html[i] !== '=') continue
    i++
    while (isSpace(html[i])) i++
    if (i >= n) return undefined
    const start = i
    const quote = html[i]
    let value: string
    if (quote === '"' || quote === '\'') {
      const close = html.indexOf(quote, i + 1)
      if (close === -1) return undefined
      value = html.slice(i + 1, close)
      i = close + 1
    } else {
      while (i < n && !isSpace(html[i]) && html[i] !== '>') i++
      value = html.slice(start, i)
    }
    if (tag.href === undefined && name.toLowerCase() === 'href') tag.href = { start, end: i, value }
  }
  return undefined
}

/** Where reading goes on after the comment at `lt`; undefined when it never ends. */
function skipComment (html: string, lt: number): number | undefined {
  // Outlook's conditional comments hold markup it renders (VML buttons): read into them.
  if (html.startsWith('<!--[if', lt)) return lt + 7
  const end = html.indexOf('-->', lt + 2)
  return end === -1 ? undefined : end + 3
}

/** Where markup starts again after a raw-text element's text (its end tag). */
function skipRawText (html: string, name: string, from: number): number | undefined {
  const end = RAW_TEXT_END.get(name.toLowerCase())
  if (end === undefined) return from
  end.lastIndex = from
  const found = end.exec(html)
  return found === null ? undefined : found.index
}

/**
 * Replaces the first `href` of every link tag with what `rewrite` answers
 * for its decoded value; an undefined answer leaves the tag exactly as it
 * was. One pass over the document, so a hostile body costs linear time.
 */
export function rewriteLinks (html: string, rewrite: (href: string) => string | undefined): string {
  const out: string[] = []
  let copied = 0
  let at: number | undefined = 0
  while (at !== undefined) {
    const lt = html.indexOf('<', at)
    if (lt === -1) break
    if (html.startsWith('<!--', lt)) {
      at = skipComment(html, lt)
      continue
    }
    if (!isLetter(html[lt + 1])) {
      at = lt + 1
      continue
    }
    const tag = scanTag(html, lt)
    if (tag === undefined) break
    const replaced = tag.href !== undefined && LINK_TAG.test(tag.name)
      ? rewrite(decodeEntities(tag.href.value))
      : undefined
    if (tag.href !== undefined && replaced !== undefined) {
      out.push(html.slice(copied, tag.href.start), `"${escapeHtml(replaced)}"`)
      copied = tag.href.end
    }
    at = skipRawText(html, tag.name, tag.end)
  }
  out.push(html.slice(copied))
  return out.join('')
}

/** Puts `snippet` just before the last `</body>`, or at the very end when there is none. */
export function insertBeforeBodyEnd (html: string, snippet: string): string {
  let at = -1
  for (const match of html.matchAll(/<\/body\s*>/gi)) at = match.index ?? at
  return at === -1 ? `${html}${snippet}` : `${html.slice(0, at)}${snippet}${html.slice(at)}`
}
