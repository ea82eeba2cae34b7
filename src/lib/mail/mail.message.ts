/** One message, rendered and ready to go. */
export interface OutgoingMail {
  from: { name: string | null, address: string }
  replyTo: string | null
  to: string
  subject: string
  html: string | null
  text: string | null
  /** Extra headers (List-Unsubscribe, ...). */
  headers: Record<string, string>
  /** RFC 5322 Message-ID with its angle brackets. */
  messageId: string
}

export interface Delivery {
  messageId: string
  /** The server's final reply, or where the .eml file went. */
  response: string
}

/** The message in nodemailer's terms. */
export function toNodemailer (mail: OutgoingMail) {
  return {
    from: mail.from.name === null
      ? mail.from.address
      : { name: mail.from.name, address: mail.from.address },
    to: mail.to,
    ...(mail.replyTo === null ? {} : { replyTo: mail.replyTo }),
    subject: mail.subject,
    ...(mail.html === null ? {} : { html: mail.html }),
    ...(mail.text === null ? {} : { text: mail.text }),
    headers: mail.headers,
    messageId: mail.messageId
  }
}
