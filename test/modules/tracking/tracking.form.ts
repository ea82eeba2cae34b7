import { decodeEntities } from '../../../src/modules/tracking/tracking.html.js'

/** What a browser sends when the one button of a page's one form is pressed. */
export interface SubmittedForm {
  method: string
  /** The absolute URL the form posts to. */
  url: string
  contentType: string
  body: string
}

const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g

function attributesOf (tag: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of tag.matchAll(ATTRIBUTE)) {
    const name = (m[1] as string).toLowerCase()
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''))
  }
  return out
}

/**
 * Submits the page's form as the HTML rules say a browser does, so that a
 * test follows the page rather than its own idea of the request: no action
 * (or an empty one) is the page's own URL, the method defaults to GET and the
 * encoding to urlencoded; named inputs are sent, and a named submit button.
 * Only the simple forms of this module's pages are read (no selects, no
 * checkboxes); a page without exactly one form throws.
 */
export function submitForm (html: string, pageUrl: string): SubmittedForm {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)]
  if (forms.length !== 1) throw new Error(`${forms.length} forms on the page`)
  const [, formTag, inner] = forms[0] as RegExpMatchArray
  const form = attributesOf(formTag as string)
  const page = new URL(pageUrl)
  page.hash = ''
  const action = form.get('action') ?? ''
  const fields = new URLSearchParams()
  for (const [, tag] of (inner as string).matchAll(/<input\b([^>]*)>/gi)) {
    const input = attributesOf(tag as string)
    const type = (input.get('type') ?? 'text').toLowerCase()
    const name = input.get('name')
    if (name === undefined || name === '' || input.has('disabled')) continue
    if (['submit', 'button', 'reset', 'image', 'file', 'checkbox', 'radio'].includes(type)) continue
    fields.append(name, input.get('value') ?? '')
  }
  const button = /<button\b([^>]*)>/i.exec(inner as string)
  if (button === null) throw new Error('no button on the form')
  const submitter = attributesOf(button[1] as string)
  if ((submitter.get('type') ?? 'submit').toLowerCase() !== 'submit') throw new Error('the button submits nothing')
  const name = submitter.get('name')
  if (name !== undefined && name !== '') fields.append(name, submitter.get('value') ?? '')
  return {
    method: (form.get('method') ?? 'get').toUpperCase(),
    url: action === '' ? page.href : new URL(action, page).href,
    contentType: form.get('enctype') ?? 'application/x-www-form-urlencoded',
    body: fields.toString()
  }
}
