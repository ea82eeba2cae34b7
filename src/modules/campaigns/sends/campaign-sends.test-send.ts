import { randomUUID } from 'node:crypto'
import type { AppDeps } from '../../../deps.js'
import { classifyMailError } from '../../../lib/mail/mail.errors.js'
import { openMailTransport } from '../../../lib/mail/mail.transport.js'
import type { Tenant } from '../../../lib/records/tenant.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { campaignResource } from '../campaigns.resource.js'
import { memberResource } from '../members/campaign-members.resource.js'
import { SAMPLE_VALUES } from '../message/campaign-message.fields.js'
import { compileMessage, renderMessage } from '../message/campaign-message.render.js'
import { getSendCampaign } from './campaign-sends.campaign.js'
import { TestSendFailedError } from './campaign-sends.errors.js'
import { assertSendable, campaignMail, testMessageId } from './campaign-sends.message.js'
import { memberRecipient } from './campaign-sends.recipients.js'

/** Test copies carry no tracking, so this stands in for the unsubscribe link. */
export const TEST_UNSUBSCRIBE_URL = '#unsubscribe'
export const TEST_SUBJECT_PREFIX = '[Test] '

export interface TestSendResult {
  to: string
  subject: string
  messageId: string
  transport: 'smtp' | 'eml'
}

/**
 * Sends one rendered copy of the campaign's message to `to`, now, through
 * the configured transport (one connection, closed after), with sample
 * values or those of the named member. Nothing about the campaign or its
 * members changes; the copy has no open pixel, no tracked links and a
 * placeholder unsubscribe link.
 */
export async function testSend (
  deps: AppDeps,
  tenant: Tenant,
  campaignId: string,
  body: { to: string, memberId?: string }
): Promise<TestSendResult> {
  const db = deps.database.db
  const campaign = await getSendCampaign(db, tenant.workspaceId, campaignId)
  if (campaign === undefined) throw notFound(campaignResource, campaignId)
  assertSendable(campaign)
  let values = { ...SAMPLE_VALUES, email: body.to, 'campaign.name': campaign.name }
  if (body.memberId !== undefined) {
    const member = await memberRecipient(db, tenant.workspaceId, campaign, body.memberId)
    if (member === undefined) throw notFound(memberResource, body.memberId)
    values = { ...member.values, 'campaign.name': campaign.name } as typeof values
  }
  const compiled = compileMessage(campaign)
  const rendered = renderMessage(compiled, { ...values, unsubscribeUrl: TEST_UNSUBSCRIBE_URL })
  const subject = `${TEST_SUBJECT_PREFIX}${rendered.subject}`
  const messageId = testMessageId(campaign, randomUUID())
  const mail = campaignMail(campaign, body.to, { ...rendered, subject }, { messageId, headers: {} })
  const transport = openMailTransport(deps.config)
  try {
    await transport.send(mail)
  } catch (err) {
    const failure = classifyMailError(err)
    throw new TestSendFailedError(failure.responseCode === null
      ? 'the mail server could not be reached'
      : `the mail server refused the message (${failure.responseCode})`)
  } finally {
    await transport.close()
  }
  return { to: body.to, subject, messageId, transport: transport.kind }
}
