import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { type FieldError, ValidationError, withFieldErrors } from '../../../lib/errors.js'
import { IdempotencyHeaders, jsonResponse, problemResponses } from '../../../lib/http/responses.js'
import { UuidSchema } from '../../../lib/schemas.js'
import { mapError, type ProblemBody, problemBody } from '../../../plugins/problem.plugin.js'
import { convertLead } from './lead-conversion.service.js'
import {
  type ConversionOptions,
  type ConvertLeadsBody,
  ConvertLeadBodySchema,
  ConvertLeadsBodySchema,
  type LeadConversion,
  LeadConversionRefSchema,
  LeadConversionResultsSchema,
  LeadConversionSchema,
  MAX_BATCH,
  MAX_DUPLICATES
} from './lead-conversion.schemas.js'

const config = {
  permission: { resource: 'lead-conversion', action: 'write' as const },
  idempotent: true
}

const Params = Type.Object({ leadId: UuidSchema }, { additionalProperties: false })

const RULES =
  'One transaction, all or nothing: if any part fails (an unknown stage, a loss reason ' +
  'missing, a reference that does not exist) no record is made or changed and the lead ' +
  'stays as it was.\n\n' +
  'Status: an open, contacted or qualified lead converts. An unqualified lead answers 409 ' +
  '`CRM_LEAD_UNQUALIFIED` (qualify it first); a converted lead answers 409 ' +
  '`CRM_LEAD_CONVERTED`, so converting twice is refused.\n\n' +
  'Account: the one `accountId` names; else the oldest live account whose domain is the ' +
  'lead\'s (from its website, else from its email unless that is a free-mail provider such ' +
  'as gmail.com); else the oldest whose name is the lead\'s company, ignoring case; else a ' +
  'new account from the lead (name = company, or the person\'s name without one; website, ' +
  'industry, phone, numberOfEmployees, billingAddress = address). Further accounts that ' +
  'match alike are reported in `duplicates`.\n\n' +
  'Contact: the one `contactId` names, which must work at that account (another account ' +
  'answers 422 `CRM_LEAD_CONVERSION_CONTACT_MISMATCH`; a contact of no account is moved to ' +
  'it); else the live contact with the lead\'s email, ignoring case; else a new contact from ' +
  'the lead at the account (firstName, lastName, email, phone, title, mailingAddress = ' +
  'address, doNotCall, emailOptOut, leadSource = source). A contact with the lead\'s email ' +
  'that is not the one used, or that works at another account, is reported in ' +
  '`duplicates`.\n\n' +
  'Reused records only get their empty fields filled from the lead (`filledFields` names ' +
  'them); nothing already there is overwritten, and flags such as emailOptOut are left as ' +
  'they are.\n\n' +
  'Opportunity, unless `createOpportunity` is false (then `opportunity` must be absent): ' +
  'made through the opportunity rules (stage default and probability, closing, loss reason) ' +
  'from `opportunity` and the lead: amount = estimatedAmount, currency, source, campaignId ' +
  '(while the campaign is live) and leadId; name defaults to "<account> – <person>". The ' +
  'contact is its primary contact with `contactRole` (default decision_maker). Errors of ' +
  'these rules point into `/opportunity`.\n\n' +
  'Owner of every record created: `ownerId`, else the lead\'s owner while active, else the ' +
  'caller. Every id in the body must be a live record of the caller\'s workspace; one that ' +
  'is not (never used, deleted, or another workspace\'s) answers 422 ' +
  '`CRM_INVALID_REFERENCE` naming the field.\n\n' +
  'The lead becomes `converted` with `convertedAt` and its three links. `duplicates` also ' +
  'lists other live, unconverted leads with the same email; at most ' +
  `${MAX_DUPLICATES} of each kind are listed, and none is changed.\n\n` +
  '`dryRun` answers the same plan, with the same refusals, and writes nothing: `lead` is ' +
  'shown as it stays and records that would be created have a null id. The roles admin, ' +
  'manager and sales may convert. Idempotency-Key replays the first answer. Every field ' +
  'of the body is optional; no body at all is the same as `{}`.'

export async function leadConversionRoutes (app: FastifyInstance) {
  app.addSchema(LeadConversionSchema)

  app.post('/v1/leads/:leadId/convert', {
    config,
    // Everything in the body is optional, so a bare POST is the same as `{}`.
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {}
    },
    schema: {
      tags: ['Leads'],
      operationId: 'convertLead',
      summary: 'Convert a lead into an account, a contact and an opportunity',
      description: RULES,
      security: [{ bearerAuth: [] }],
      params: Params,
      headers: IdempotencyHeaders,
      body: ConvertLeadBodySchema,
      response: {
        200: jsonResponse('What the conversion made, reused and found', LeadConversionRefSchema),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422)
      }
    }
  }, async (request) => {
    const { leadId } = request.params as { leadId: string }
    const options = request.body as ConversionOptions
    const conversion = await convertLead(app.deps.db, request.tenant, leadId, options)
    logConversion(request, conversion)
    return conversion
  })

  app.post('/v1/leads/convert', {
    config,
    schema: {
      tags: ['Leads'],
      operationId: 'convertLeads',
      summary: 'Convert up to 100 leads',
      description:
        `Converts 1 to ${MAX_BATCH} leads, each exactly as POST /v1/leads/{leadId}/convert ` +
        'would and in its own transaction: one failing does not stop or undo the others. ' +
        'The answer is 200 with one result per conversion, in request order: `status` 200 ' +
        'and `conversion`, or the status and problem (`error`, pointers under ' +
        '`/conversions/<index>`) the single conversion would have answered. A lead named ' +
        'twice answers 400. `dryRun` plans every conversion and writes nothing. The roles ' +
        'admin, manager and sales may convert. Idempotency-Key replays the first answer.',
      security: [{ bearerAuth: [] }],
      headers: IdempotencyHeaders,
      body: ConvertLeadsBodySchema,
      response: {
        200: jsonResponse('Each conversion\'s answer', LeadConversionResultsSchema),
        ...problemResponses(400, 401, 403, 409, 413, 415, 422)
      }
    }
  }, async (request) => {
    const body = request.body as ConvertLeadsBody
    assertDistinctLeads(body)
    const results = []
    for (const [index, { leadId, ...options }] of body.conversions.entries()) {
      try {
        const conversion = await convertLead(
          app.deps.db, request.tenant, leadId, { ...options, dryRun: body.dryRun }
        )
        logConversion(request, conversion)
        results.push({ leadId, status: 200, conversion, error: null })
      } catch (error) {
        const problem = itemProblem(request, error, index)
        results.push({ leadId, status: problem.status, conversion: null, error: problem })
      }
    }
    return { results }
  })
}

function logConversion (request: FastifyRequest, conversion: LeadConversion) {
  const lead = conversion.lead as { id: string }
  request.log.info({
    leadId: lead.id,
    dryRun: conversion.dryRun,
    account: conversion.account.action,
    contact: conversion.contact.action,
    duplicates: conversion.duplicates.length
  }, 'lead converted')
}

/** A batch's repeated lead would be refused the second time; say so before converting any. */
function assertDistinctLeads (body: ConvertLeadsBody) {
  const first = new Map<string, number>()
  const errors: FieldError[] = []
  body.conversions.forEach(({ leadId }, i) => {
    const key = leadId.toLowerCase()
    const seen = first.get(key)
    if (seen === undefined) {
      first.set(key, i)
      return
    }
    errors.push({ pointer: `/conversions/${i}/leadId`, message: `repeats conversions/${seen}` })
  })
  if (errors.length === 0) return
  const detail = errors.slice(0, 3).map((e) => `body${e.pointer} ${e.message}`).join('; ')
  throw withFieldErrors(new ValidationError(detail), errors)
}

/**
 * The problem one conversion of a batch answers, built as the problem plugin
 * builds every answer, with its pointers moved under its place in the body.
 */
function itemProblem (request: FastifyRequest, error: unknown, index: number): ProblemBody {
  const mapped = mapError(error as Parameters<typeof mapError>[0])
  if (mapped.status >= 500) request.log.error({ err: error }, 'lead conversion failed')
  const errors = mapped.errors?.map((e) => ({ ...e, pointer: `/conversions/${index}${e.pointer}` }))
  return problemBody({ ...mapped, errors }, request)
}
