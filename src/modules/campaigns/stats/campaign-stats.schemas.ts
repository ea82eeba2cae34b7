import { Type, type Static } from 'typebox'
import { CurrencySchema, MoneySchema, Nullable, UuidSchema } from '../../../lib/schemas.js'
import { MEMBER_STATUSES } from '../members/campaign-members.status.js'

const Count = (description: string) => Type.Integer({ minimum: 0, description })

/** A sum of money: two fraction digits, and unlike MoneySchema no cap on the digits. */
const Amount = (description: string) =>
  Type.String({ pattern: '^(0|[1-9][0-9]*)\\.[0-9]{2}$', description, examples: ['48000.00'] })

/** A ratio with exactly four fraction digits, rounded half away from zero. */
const Ratio = (pattern: string, description: string, example: string) =>
  Nullable(Type.String({ pattern, description, examples: [example] }))

export const CampaignStatsSchema = Type.Object(
  {
    campaignId: UuidSchema,
    currency: Type.String({
      ...CurrencySchema,
      description: 'the campaign\'s; amounts count only opportunities in it'
    }),
    members: Type.Object(
      {
        total: Count('live members'),
        byStatus: Type.Object(
          Object.fromEntries(
            MEMBER_STATUSES.map((s) => [s, Count(`members whose status is ${s}`)])
          ),
          { additionalProperties: false, description: 'every status, 0 when none' }
        ),
        optedOut: Count('members who opted out of email, or whose person was deleted')
      },
      { additionalProperties: false }
    ),
    leadsGenerated: Count('live leads whose campaignId is the campaign'),
    convertedLeads: Count('those of them that are converted'),
    conversionRate: Ratio(
      '^(0|1)\\.[0-9]{4}$',
      'convertedLeads / leadsGenerated, four decimals; null without leads',
      '0.2500'
    ),
    opportunities: Type.Object(
      {
        count: Count('live opportunities whose campaignId is the campaign'),
        open: Count('of them not closed'),
        won: Count('of them closed won'),
        lost: Count('of them closed lost'),
        wonAmount: Amount('sum of the won amounts in the campaign currency'),
        pipelineAmount: Amount('sum of the open amounts in the campaign currency')
      },
      { additionalProperties: false }
    ),
    otherCurrencyOpportunities: Count(
      'opportunities in another currency: counted above, their amounts left out of the sums'
    ),
    actualCost: Nullable(
      Type.String({ ...MoneySchema, description: 'the campaign\'s actualCost' })
    ),
    returnOnCost: Ratio(
      '^-?(0|[1-9][0-9]*)\\.[0-9]{4}$',
      '(wonAmount − actualCost) / actualCost, four decimals; null when actualCost is null or 0',
      '10.4286'
    )
  },
  {
    $id: 'CampaignStats',
    description: 'What a campaign brought, computed when asked',
    additionalProperties: false,
    examples: [{
      campaignId: '2b7d9e4f-1c3a-4b5d-8e6f-0a1b2c3d4e5f',
      currency: 'EUR',
      members: {
        total: 1200,
        byStatus: {
          targeted: 150, sent: 600, opened: 250, clicked: 110, responded: 40,
          bounced: 30, unsubscribed: 15, failed: 5
        },
        optedOut: 22
      },
      leadsGenerated: 80,
      convertedLeads: 20,
      conversionRate: '0.2500',
      opportunities: {
        count: 20, open: 9, won: 7, lost: 4, wonAmount: '48000.00', pipelineAmount: '61500.00'
      },
      otherCurrencyOpportunities: 1,
      actualCost: '4200.00',
      returnOnCost: '10.4286'
    }]
  }
)

export type CampaignStats = Static<typeof CampaignStatsSchema>
