import { isMergeField, type MergeField, type MergeValues } from './campaign-message.fields.js'

/**
 * A message template: literal text and `{{field}}` holes. Parsed once per
 * campaign and rendered per recipient by joining parts, so a send of many
 * messages never scans the template again.
 */
export type TemplatePart = string | { field: MergeField }
export type Template = readonly TemplatePart[]

/** `{{ name }}`: anything but braces between the double braces. */
const HOLE = /\{\{([^{}]*)\}\}/g

/** The `{{...}}` holes whose name is not a merge field, as written (deduplicated, in order). */
export function unknownMergeFields (source: string): string[] {
  const unknown = new Set<string>()
  for (const match of source.matchAll(HOLE)) {
    const name = (match[1] as string).trim()
    if (!isMergeField(name)) unknown.add(match[0])
  }
  return [...unknown]
}

/**
 * Parses a template whose holes were checked when it was saved. A hole
 * that is not a merge field (a template saved before the check) stays as
 * literal text rather than failing a send.
 */
export function parseTemplate (source: string): Template {
  const parts: TemplatePart[] = []
  let last = 0
  for (const match of source.matchAll(HOLE)) {
    const name = (match[1] as string).trim()
    if (!isMergeField(name)) continue
    if (match.index > last) parts.push(source.slice(last, match.index))
    parts.push({ field: name })
    last = match.index + match[0].length
  }
  if (last < source.length) parts.push(source.slice(last))
  return parts
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\'': '&#39;'
}

/** Text safe inside HTML elements and quoted attributes. */
export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)

/** One header line: no CR, LF or other control characters (no header injection). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
export const headerSafe = (value: string) => value.replace(/[\u0000-\u001f\u007f]+/g, ' ')

export function renderTemplate (
  template: Template,
  values: MergeValues,
  encode: (value: string) => string = (v) => v
): string {
  let out = ''
  for (const part of template) {
    out += typeof part === 'string' ? part : encode(values[part.field] ?? '')
  }
  return out
}
