import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { jsonResponse, problemResponses } from '../../../lib/http/responses.js'
import { notFound } from '../../../lib/resource/resource.errors.js'
import { UuidSchema } from '../../../lib/schemas.js'
import { campaignResource } from '../campaigns.resource.js'
import { campaignStats } from './campaign-stats.queries.js'
import { CampaignStatsSchema } from './campaign-stats.schemas.js'

export async function campaignStatsRoutes (app: FastifyInstance) {
  app.addSchema(CampaignStatsSchema)

  app.get('/v1/campaigns/:campaignId/stats', {
    config: { permission: { resource: 'campaigns', action: 'read' } },
    schema: {
      tags: ['Campaigns'],
      operationId: 'getCampaignStats',
      summary: 'Get a campaign\'s statistics',
      description: 'Computed when asked, in one query: live members by status (every status, ' +
        '0 when none) and how many opted out; the live leads whose `campaignId` is the campaign ' +
        'and how many of them are converted; the live opportunities whose `campaignId` is the ' +
        'campaign, open, won and lost, with the won and open (pipeline) amounts. Amounts count ' +
        'only opportunities in the campaign\'s currency; the others are counted in ' +
        '`otherCurrencyOpportunities`. `returnOnCost` is (wonAmount − actualCost) / actualCost. ' +
        'Amounts and ratios are exact decimal strings; ratios have four decimals, rounded half ' +
        'away from zero. An unknown campaign answers 404.',
      security: [{ bearerAuth: [] }],
      params: Type.Object({ campaignId: UuidSchema }, { additionalProperties: false }),
      response: {
        200: jsonResponse('The statistics', Type.Unsafe(Type.Ref('CampaignStats'))),
        ...problemResponses(400, 401, 403, 404)
      }
    }
  }, async (request) => {
    const { campaignId } = request.params as { campaignId: string }
    const stats = await campaignStats(app.deps.db, request.tenant.workspaceId, campaignId)
    if (stats === undefined) throw notFound(campaignResource, campaignId)
    return stats
  })
}
