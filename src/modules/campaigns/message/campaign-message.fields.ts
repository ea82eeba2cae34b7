/**
 * The merge fields a campaign message may hold, `{{name}}`, and where each
 * value comes from. A member is a lead or a contact; a lead has no account,
 * so for a lead the `account.*` fields read the lead's own company fields.
 * A field with no value renders as nothing (an empty string).
 */
export const MERGE_FIELDS = {
  firstName: 'the person\'s first name',
  lastName: 'the person\'s last name',
  fullName: 'first and last name, separated by a space',
  email: 'the address the message goes to',
  title: 'job title',
  phone: 'phone number',
  company: 'a lead\'s company, or a contact\'s account name',
  department: 'a contact\'s department (empty for a lead)',
  industry: 'a lead\'s industry, or a contact\'s account industry',
  website: 'a lead\'s website, or a contact\'s account website',
  'account.name': 'a contact\'s account name; for a lead, its company',
  'account.website': 'a contact\'s account website; for a lead, its website',
  'account.industry': 'a contact\'s account industry; for a lead, its industry',
  'campaign.name': 'the campaign\'s name',
  unsubscribeUrl: 'the signed link to this recipient\'s unsubscribe page'
} as const

export type MergeField = keyof typeof MERGE_FIELDS

/** Values for one recipient; an absent or null field renders empty. */
export type MergeValues = Partial<Record<MergeField, string | null>>

export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[]

export const isMergeField = (name: string): name is MergeField =>
  Object.hasOwn(MERGE_FIELDS, name)

/** What a test send renders when it names no member. */
export const SAMPLE_VALUES: MergeValues = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  fullName: 'Ada Lovelace',
  email: 'ada@example.com',
  title: 'Head of Engineering',
  phone: '+44 20 7946 0000',
  company: 'Analytical Engines Ltd',
  department: 'Engineering',
  industry: 'Technology',
  website: 'https://engines.example.com',
  'account.name': 'Analytical Engines Ltd',
  'account.website': 'https://engines.example.com',
  'account.industry': 'Technology'
}

/** The rules, for the Campaign schema and the send routes. */
export const MERGE_FIELD_RULES =
  'Merge fields: `subject`, `htmlBody` and `textBody` may hold `{{field}}` (spaces inside the ' +
  'braces are allowed), rendered per recipient: ' +
  MERGE_FIELD_NAMES.map((name) => `\`${name}\` (${MERGE_FIELDS[name]})`).join(', ') +
  '. Any other `{{...}}` is refused when the campaign is saved (422 ' +
  '`CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN`, each `errors` entry pointing at the field that holds it). ' +
  'A field with no value renders empty. Values are HTML-escaped in `htmlBody`; in `textBody` ' +
  'they are inserted as they are, and in `subject` line breaks become spaces.'
