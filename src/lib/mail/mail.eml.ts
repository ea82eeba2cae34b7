import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import { toNodemailer } from './mail.message.js'
import type { MailTransport } from './mail.transport.js'

/** A Message-ID as a file name: its angle brackets dropped, anything unusual replaced. */
export const emlFileName = (messageId: string) =>
  `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`

/**
 * Writes each message as an RFC 5322 file `${dataDir}/mail/<Message-ID>.eml`
 * (CRLF line ends, the form mail clients open). The name comes from the
 * deterministic Message-ID, so a message sent twice is one file; the file
 * appears whole (written aside, then renamed).
 */
export function openEmlTransport (dataDir: string): MailTransport {
  const folder = join(dataDir, 'mail')
  const composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows'
  })
  let ready: Promise<unknown> | undefined
  return {
    kind: 'eml',
    async send (mail) {
      ready ??= mkdir(folder, { recursive: true })
      await ready
      const info = await composer.sendMail(toNodemailer(mail))
      const name = emlFileName(mail.messageId)
      const path = join(folder, name)
      const partial = `${path}.${process.pid}.part`
      await writeFile(partial, info.message as Buffer)
      await rename(partial, path)
      return { messageId: info.messageId, response: `written to ${join('mail', name)}` }
    },
    async close () {
      composer.close()
    }
  }
}
