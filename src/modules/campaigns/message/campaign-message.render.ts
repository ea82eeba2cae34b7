import type { MergeValues } from './campaign-message.fields.js'
import {
  escapeHtml,
  headerSafe,
  parseTemplate,
  renderTemplate,
  type Template
} from './campaign-message.template.js'

/** The message fields of a campaign, as stored. */
export interface CampaignMessage {
  subject: string | null
  htmlBody: string | null
  textBody: string | null
}

export interface CompiledMessage {
  subject: Template
  html: Template | null
  text: Template | null
}

export interface RenderedMessage {
  subject: string
  html: string | null
  text: string | null
}

export function compileMessage (message: CampaignMessage): CompiledMessage {
  return {
    subject: parseTemplate(message.subject ?? ''),
    html: message.htmlBody === null ? null : parseTemplate(message.htmlBody),
    text: message.textBody === null ? null : parseTemplate(message.textBody)
  }
}

/**
 * One recipient's copy: values HTML-escaped in the HTML body, inserted as
 * they are in the text body, and the subject kept to one header line.
 */
export function renderMessage (compiled: CompiledMessage, values: MergeValues): RenderedMessage {
  return {
    subject: headerSafe(renderTemplate(compiled.subject, values)).trim(),
    html: compiled.html === null ? null : renderTemplate(compiled.html, values, escapeHtml),
    text: compiled.text === null ? null : renderTemplate(compiled.text, values)
  }
}
