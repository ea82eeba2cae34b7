import nodemailer from 'nodemailer'
import type { Config } from '../../config.js'
import { openEmlTransport } from './mail.eml.js'
import { type Delivery, type OutgoingMail, toNodemailer } from './mail.message.js'

export interface MailTransport {
  /** `smtp` when SMTP_URL is set, else `eml` (files under `${DATA_DIR}/mail/`). */
  kind: 'smtp' | 'eml'
  /** Resolves once the server accepted the message; rejects with the nodemailer error. */
  send: (mail: OutgoingMail) => Promise<Delivery>
  close: () => Promise<void>
}

export interface MailTransportOptions {
  /**
   * Keep connections open and reuse them (a campaign send). Off: one
   * connection per message (a test send).
   */
  pool?: boolean
  /** Connections of the pool, default 5. */
  maxConnections?: number
}

/** Timeouts far below nodemailer's minutes: a stalled server must not hold a send for long. */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 }

/**
 * The mail transport of the configuration: SMTP through nodemailer when
 * SMTP_URL is set (pooled connections on request), otherwise every message
 * is written as an .eml file under `${DATA_DIR}/mail/`, so a default start
 * works with no mail server at all.
 */
export function openMailTransport (
  config: Pick<Config, 'SMTP_URL' | 'DATA_DIR'>,
  options: MailTransportOptions = {}
): MailTransport {
  if (config.SMTP_URL === undefined) return openEmlTransport(config.DATA_DIR)
  const transporter = options.pool === true
    ? nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: 1000,
      // The send worker decides about every retry itself (its rows record
      // attempts); a pool requeue behind its back would be a second one.
      maxRequeues: 0,
      ...TIMEOUTS
    })
    : nodemailer.createTransport({ url: config.SMTP_URL, ...TIMEOUTS })
  return {
    kind: 'smtp',
    async send (mail) {
      const info = await transporter.sendMail(toNodemailer(mail))
      return { messageId: info.messageId, response: info.response }
    },
    async close () {
      transporter.close()
    }
  }
}
