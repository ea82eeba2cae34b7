/**
 * How a failed delivery should be handled. SMTP replies 5xx are permanent
 * (the address or the message is refused; trying again gets the same
 * answer), except 503, which only says the session was out of step. Every
 * 4xx, a dropped or refused connection and a timeout are transient.
 */
export interface MailFailure {
  isPermanent: boolean
  /** The SMTP reply code, when the server gave one. */
  responseCode: number | null
  /** Short and safe to store: the code and the server's words, no stack. */
  message: string
}

interface SmtpLikeError {
  code?: unknown
  responseCode?: unknown
  permanent?: unknown
  response?: unknown
  message?: unknown
}

export function classifyMailError (err: unknown): MailFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpLikeError
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null
  const isPermanent = typeof e.permanent === 'boolean'
    ? e.permanent
    : responseCode !== null && responseCode >= 500 && responseCode < 600 && responseCode !== 503
  const said = typeof e.response === 'string'
    ? e.response
    : typeof e.message === 'string' ? e.message : String(err)
  const code = typeof e.code === 'string' ? `${e.code}: ` : ''
  return { isPermanent, responseCode, message: `${code}${said}`.slice(0, 500) }
}
