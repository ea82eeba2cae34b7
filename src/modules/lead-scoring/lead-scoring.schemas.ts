import { Type, type Static, type TProperties, type TSchema } from 'typebox'
import {
  CurrencySchema,
  MoneySchema,
  Nullable,
  StringEnum,
  Text,
  TimestampSchema,
  UuidSchema
} from '../../lib/schemas.js'
import { LEAD_SOURCES } from '../leads/leads.schemas.js'
import {
  DEFAULT_RULES,
  MAX_EMPLOYEES,
  MAX_FIT_RULES,
  MAX_HALF_LIFE_DAYS,
  MAX_POINTS,
  MAX_RULE_VALUES,
  MAX_VALUE_LENGTH
} from './lead-scoring.defaults.js'

/**
 * The scoring rules document. The same shapes serve the body of the PUT
 * (where an absent bound means unbounded) and the record the API answers
 * (where every field is present, null when empty).
 */

const name = () => Text(100, {
  description: 'unique within the document; the breakdown names the rule by it',
  examples: ['Software industry']
})

const points = () => Type.Integer({
  minimum: -MAX_POINTS,
  maximum: MAX_POINTS,
  description: 'added to the score when the rule matches; may be negative',
  examples: [15]
})

const values = <T extends TSchema>(item: T, description: string) =>
  Type.Array(item, { minItems: 1, maxItems: MAX_RULE_VALUES, description })

const text = () => Text(MAX_VALUE_LENGTH)

const rule = <T extends string, F extends TProperties>(type: T, description: string, fields: F) =>
  Type.Object(
    { name: name(), type: Type.Literal(type), ...fields, points: points() },
    { additionalProperties: false, description }
  )

function fitRuleSchemas (isInput: boolean) {
  const bound = <T extends TSchema>(schema: T) =>
    (isInput ? Type.Optional(Nullable(schema)) : Nullable(schema))
  const employees = () => Type.Integer({ minimum: 0, maximum: MAX_EMPLOYEES })
  return Type.Union([
    rule('industry', 'The lead\'s industry is one of the values (ignoring case)', {
      anyOf: values(text(), 'industries, compared with the lead\'s whole industry ignoring case')
    }),
    rule('title_contains', 'The lead\'s title contains one of the values (ignoring case)', {
      anyOf: values(text(), 'words or phrases looked for anywhere in the title, ignoring case')
    }),
    rule('source', 'The lead\'s source is one of the values', {
      anyOf: values(StringEnum(LEAD_SOURCES), 'lead sources')
    }),
    rule('company_size', 'The lead\'s numberOfEmployees lies in the range (both ends included)', {
      min: bound(employees()),
      max: bound(employees())
    }),
    rule('estimated_amount', 'The lead\'s estimatedAmount lies in the range (both ends included, ' +
      'exact decimals), in the rule\'s currency when it names one', {
      min: bound(MoneySchema),
      max: bound(MoneySchema),
      currency: bound(Type.String({
        ...CurrencySchema,
        description: 'only leads whose currency is this ISO 4217 code match. Null (or left out): ' +
          'any lead\'s amount is compared as it is, whatever its currency; no exchange rates are ' +
          'applied, so a workspace that sells in several currencies writes one rule per currency',
        examples: ['EUR']
      }))
    }),
    rule('email_domain', 'The lead\'s email is (freeMail true) or is not (false) at a free-mail provider', {
      freeMail: Type.Boolean({
        description: 'true: gmail.com and the like; false: any other domain. A lead without ' +
          'email matches neither'
      })
    })
  ], { description: 'a fit rule: a condition on the lead\'s own fields and its points' })
}

function engagementSchema (isInput: boolean) {
  const eventPoints = (event: string, example: number) => Type.Integer({
    minimum: 0,
    maximum: MAX_POINTS,
    description: `points of each ${event} of one of the lead's campaign memberships, before decay`,
    examples: [example]
  })
  const halfLife = Type.Integer({
    minimum: 1,
    maximum: MAX_HALF_LIFE_DAYS,
    description: 'days after which an event is worth half its points; null: no decay',
    examples: [30]
  })
  return Type.Object(
    {
      openedPoints: eventPoints('open (openedAt)', 2),
      clickedPoints: eventPoints('click (clickedAt)', 5),
      respondedPoints: eventPoints('response (respondedAt)', 15),
      halfLifeDays: isInput ? Type.Optional(Nullable(halfLife)) : Nullable(halfLife),
      maxPoints: Type.Integer({
        minimum: 0,
        maximum: MAX_POINTS,
        description: 'the most that engagement adds to a score, after decay',
        examples: [40]
      })
    },
    { additionalProperties: false, description: 'points for campaign engagement, decaying with age' }
  )
}

const fitList = (isInput: boolean) => Type.Array(fitRuleSchemas(isInput), {
  maxItems: MAX_FIT_RULES,
  description: `at most ${MAX_FIT_RULES} rules; every matching rule adds its points`
})

export const ReplaceScoringRulesBodySchema = Type.Object(
  { fit: fitList(true), engagement: engagementSchema(true) },
  {
    additionalProperties: false,
    description: 'The whole rules document; it replaces the current one',
    examples: [{
      fit: [
        { name: 'Software industry', type: 'industry', anyOf: ['Software', 'SaaS'], points: 15 },
        { name: 'Senior title', type: 'title_contains', anyOf: ['head', 'director'], points: 10 },
        { name: 'Mid-size company', type: 'company_size', min: 50, max: 1000, points: 10 },
        { name: 'Big budget', type: 'estimated_amount', min: '25000.00', currency: 'EUR', points: 20 },
        { name: 'Free mail', type: 'email_domain', freeMail: true, points: -10 }
      ],
      engagement: { openedPoints: 2, clickedPoints: 5, respondedPoints: 15, halfLifeDays: 30, maxPoints: 40 }
    }]
  }
)

const RulesDocument = Type.Object({ fit: fitList(false), engagement: engagementSchema(false) })

export type ScoringRules = Static<typeof RulesDocument>
export type FitRule = ScoringRules['fit'][number]
export type EngagementRules = ScoringRules['engagement']
export type ReplaceScoringRulesBody = Static<typeof ReplaceScoringRulesBodySchema>

export const LeadScoringRulesSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 0,
      description: '0 for the defaults; grows by one on every change. Each lead records the ' +
        'version that scored it'
    }),
    isDefault: Type.Boolean({ description: 'true while the workspace has not set rules of its own' }),
    updatedAt: Nullable(TimestampSchema),
    updatedBy: Nullable(UuidSchema),
    fit: fitList(false),
    engagement: engagementSchema(false)
  },
  {
    $id: 'LeadScoringRules',
    additionalProperties: false,
    description: 'How the workspace scores its leads',
    examples: [{
      version: 0,
      isDefault: true,
      updatedAt: null,
      updatedBy: null,
      ...DEFAULT_RULES
    }]
  }
)
export type LeadScoringRules = Static<typeof LeadScoringRulesSchema>

export const LeadScoringRulesRefSchema = Type.Unsafe<LeadScoringRules>(Type.Ref('LeadScoringRules'))

export const LeadScoringRulesChangeSchema = Type.Object(
  {
    rules: LeadScoringRulesRefSchema,
    rescoreJob: Type.Union([Type.Ref('Job'), Type.Null()], {
      description: 'the job rescoring every lead with these rules; null when the document did not change'
    })
  },
  {
    $id: 'LeadScoringRulesChange',
    additionalProperties: false,
    description: 'The rules now in force, and the rescore they started',
    examples: [{
      rules: {
        version: 3,
        isDefault: false,
        updatedAt: '2026-12-03T10:20:30.123Z',
        updatedBy: '9d3c1b1e-5a2f-4e8b-8c7d-6e5f4a3b2c1d',
        ...DEFAULT_RULES
      },
      rescoreJob: {
        id: '6f1c2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
        type: 'leads.rescore',
        status: 'queued',
        progress: null,
        result: null,
        error: null,
        attempts: 0,
        runAt: null,
        createdAt: '2026-12-03T10:20:30.123Z',
        startedAt: null,
        finishedAt: null
      }
    }]
  }
)

export const SCORE_ENTRY_KINDS = ['fit', 'engagement'] as const

export const ScoreEntrySchema = Type.Object(
  {
    rule: Type.String({
      description: 'the fit rule\'s name, or opened, clicked, responded, engagement_cap',
      examples: ['Decision maker']
    }),
    kind: StringEnum(SCORE_ENTRY_KINDS),
    field: Nullable(Type.String({
      description: 'the lead field (or campaign member time) the rule looked at',
      examples: ['title']
    })),
    description: Type.String({ examples: ['title contains "head" or "director"'] }),
    points: Type.Integer({ description: 'what the rule added (negative: took away)', examples: [15] }),
    events: Nullable(Type.Integer({
      minimum: 0,
      description: 'engagement: how many events were counted; null for fit rules'
    }))
  },
  { additionalProperties: false }
)
export type ScoreEntry = Static<typeof ScoreEntrySchema>

export const LeadScoreSchema = Type.Object(
  {
    leadId: UuidSchema,
    score: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: 'null until first scored' })),
    scoredAt: Nullable(Type.String({
      ...TimestampSchema,
      description: 'when the score was last written; the score itself depends only on the rules, ' +
        'the lead, its memberships and the day decay was counted to'
    })),
    rulesVersion: Nullable(Type.Integer({
      minimum: 0,
      description: 'the rules version that produced the score'
    })),
    currentRulesVersion: Type.Integer({ minimum: 0 }),
    stale: Type.Boolean({
      description: 'true when the lead was never scored or was scored with older rules'
    }),
    breakdown: Type.Array(ScoreEntrySchema, {
      description: 'the rules that matched, in document order, then engagement; their points add up ' +
        'to the score before it is clamped to 0..100'
    })
  },
  {
    $id: 'LeadScore',
    additionalProperties: false,
    description: 'A lead\'s score and the rules that produced it',
    examples: [{
      leadId: '2b7d4c1a-9e8f-4a3b-8c6d-5e4f3a2b1c0d',
      score: 37,
      scoredAt: '2026-12-03T11:00:00.000Z',
      rulesVersion: 0,
      currentRulesVersion: 0,
      stale: false,
      breakdown: [
        {
          rule: 'Business email',
          kind: 'fit',
          field: 'email',
          description: 'email is not at a free-mail provider',
          points: 10,
          events: null
        },
        {
          rule: 'Decision maker',
          kind: 'fit',
          field: 'title',
          description: 'title contains "chief", "director", "head", "vp", "vice president" or 2 more',
          points: 15,
          events: null
        },
        {
          rule: 'clicked',
          kind: 'engagement',
          field: 'clickedAt',
          description: 'campaign clicks, 5 points each, halving every 30 days',
          points: 12,
          events: 3
        }
      ]
    }]
  }
)
export type LeadScore = Static<typeof LeadScoreSchema>
