import type pg from 'pg'

/**
 * Fills a workspace with accounts and contacts in one set-based statement
 * each, generated inside PostgreSQL from generate_series: a million rows
 * through the API would take hours and measure the write path instead.
 * Values are derived from the row number, so every run loads the same
 * shapes: names from short lists, unique emails, created_at spread over
 * five years (with jitter, so the page order is not the insert order),
 * about 1 % soft-deleted, 80 % linked to an account, 70 % with an address.
 */

const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger',
  'Hedy', 'Tim', 'Radia', 'Vint', 'Katherine', 'John', 'Sophie', 'Niklaus', 'Anita', 'Donald',
  'Karen', 'Bjarne', 'Shafi', 'Guido', 'Lynn', 'James', 'Adele', 'Leslie', 'Joan', 'Robert',
  'Mary', 'Peter', 'Susan', 'David', 'Elena', 'Marco', 'Yuki', 'Priya', 'Omar', 'Ingrid',
  'Lars', 'Chloe', 'Mateo', 'Amara', 'Wei', 'Fatima', 'Jonas', 'Olga', 'Rafael', 'Zoe',
  'Hiro', 'Nadia', 'Felix', 'Lea', 'Ivan', 'Mia', 'Tariq', 'Clara', 'Emil', 'Rosa', 'Kofi'
]

const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson',
  'Allen', 'Dijkstra', 'Lamarr', 'Berners-Lee', 'Perlman', 'Cerf', 'Johnson', 'McCarthy',
  'Wilson', 'Wirth', 'Borg', 'Knuth', 'Jones', 'Stroustrup', 'Goldwasser', 'Rossum', 'Conway',
  'Gosling', 'Goldberg', 'Lamport', 'Clarke', 'Kahn', 'Smith', 'Miller', 'Garcia', 'Martin',
  'Schmidt', 'Rossi', 'Tanaka', 'Patel', 'Haddad', 'Larsen', 'Nielsen', 'Dubois', 'Lopez',
  'Okafor', 'Chen', 'Khan', 'Weber', 'Ivanova', 'Silva', 'Novak', 'Sato', 'Petrov', 'Fischer',
  'Moreau', 'Kowalski', 'Mensah', 'Yilmaz', 'Andersson', 'Costa', 'Nowak', 'Murphy', 'Kim',
  'Nguyen', 'Ali', 'Brown', 'Taylor', 'Walker', 'Young', 'King', 'Wright', 'Scott', 'Green',
  'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips',
  'Evans', 'Turner', 'Torres', 'Parker', 'Collins', 'Edwards', 'Stewart', 'Morris'
]

const DOMAINS = [
  'acme.example', 'globex.example', 'initech.example', 'umbrella.example', 'hooli.example',
  'stark.example', 'wayne.example', 'wonka.example', 'tyrell.example', 'cyberdyne.example'
]

const TITLES = [
  'CEO', 'CTO', 'CFO', 'VP Sales', 'Head of Marketing', 'Account Executive', 'Engineer',
  'Product Manager', 'Buyer', 'Office Manager', 'Consultant', 'Director of Operations'
]

const DEPARTMENTS = [
  'Sales', 'Marketing', 'Engineering', 'Finance', 'Operations', 'Purchasing', 'Support'
]

const LEAD_SOURCES = [
  'web', 'email', 'call', 'campaign', 'partner', 'referral', 'event', 'advertisement'
]

// city|region|country; an empty region is stored as null
const CITIES = [
  'Berlin||DE', 'Munich|Bavaria|DE', 'Paris||FR', 'Lyon||FR', 'London||GB', 'Leeds||GB',
  'Austin|TX|US', 'Boston|MA|US', 'Seattle|WA|US', 'Toronto|ON|CA', 'Madrid||ES',
  'Milan||IT', 'Tokyo||JP', 'Sydney|NSW|AU', 'Nairobi||KE', 'Lagos||NG', 'Sao Paulo|SP|BR'
]

const STREETS = [
  'Main St', 'High St', 'Hauptstr.', 'Rue de la Paix', 'Market St', 'Church Rd', 'Station Rd'
]

const INDUSTRIES = ['Manufacturing', 'Software', 'Retail', 'Finance', 'Healthcare', 'Logistics']
const ACCOUNT_TYPES = ['prospect', 'customer', 'partner', 'reseller', 'vendor', 'other']

const SPAN_SECONDS = 5 * 365 * 24 * 3600

/** `$name` placeholders, so the long statements below stay readable. */
function bind (text: string, values: Record<string, unknown>) {
  const names = Object.keys(values)
  const sql = text.replace(/\$([a-z][a-zA-Z]*)/g, (_, name: string) => {
    const index = names.indexOf(name)
    if (index < 0) throw new Error(`no value for $${name}`)
    return `$${index + 1}`
  })
  return { text: sql, values: Object.values(values) }
}

/** SQL for the element of the `list` parameter at `index`, wrapping around. */
const pick = (list: string, index: string) =>
  `($${list}::text[])[1 + (${index}) % cardinality($${list}::text[])]`

const INSERT_ACCOUNTS = `
insert into accounts (workspace_id, created_at, updated_at, name, website, domain, industry, type, owner_id)
select $workspaceId::uuid, t.at, t.at, 'Account ' || g, 'https://www.account' || g || '.example',
  'account' || g || '.example', ${pick('industries', 'g')}, ${pick('types', 'g / 7')}, $ownerId::uuid
from generate_series(1, $count::int) g
cross join lateral (
  select now() - make_interval(secs => $span) + make_interval(secs => g * $span / $count) as at
) t`

const INSERT_CONTACTS = `
with account as (
  select id, row_number() over (order by created_at, id) - 1 as n
  from accounts where workspace_id = $workspaceId
), person as (
  select g,
    ${pick('firstNames', 'g')} as first_name,
    ${pick('lastNames', `g / cardinality($firstNames::text[])`)} as last_name,
    ${pick('cities', 'g / 3')} as city,
    now() - make_interval(secs => $span) + make_interval(secs => (g - random()) * $span / $count) as created_at
  from generate_series(1, $count::int) g
)
insert into contacts (
  workspace_id, created_at, updated_at, version, deleted_at, first_name, last_name, email, phone,
  mobile_phone, title, department, account_id, mailing_address, do_not_call, email_opt_out,
  lead_source, owner_id, description
)
select $workspaceId::uuid,
  p.created_at,
  case when p.g % 3 = 0 then p.created_at + (now() - p.created_at) * random() else p.created_at end,
  case when p.g % 3 = 0 then 2 + p.g % 4 else 1 end,
  case when p.g % 100 = 7 then p.created_at + (now() - p.created_at) * random() end,
  case when p.g % 50 <> 3 then p.first_name end,
  p.last_name,
  case when p.g % 20 <> 9 then
    lower(p.first_name || '.' || p.last_name || '.' || p.g || '@' || ${pick('domains', 'p.g / 11')})
  end,
  case when p.g % 5 < 3 then '+1 555 ' || lpad((p.g % 10000000)::text, 7, '0') end,
  case when p.g % 5 < 2 then '+44 7700 ' || lpad((p.g * 7 % 1000000)::text, 6, '0') end,
  case when p.g % 4 <> 0 then ${pick('titles', 'p.g / 13')} end,
  case when p.g % 4 <> 1 then ${pick('departments', 'p.g / 17')} end,
  case when p.g % 5 <> 0 then a.id end,
  case when p.g % 10 < 7 then jsonb_build_object(
    'street', (1 + p.g % 250) || ' ' || ${pick('streets', 'p.g / 5')},
    'city', split_part(p.city, '|', 1),
    'region', nullif(split_part(p.city, '|', 2), ''),
    'postalCode', lpad((p.g::bigint * 7919 % 99999)::text, 5, '0'),
    'country', split_part(p.city, '|', 3)
  ) end,
  p.g % 23 = 0,
  p.g % 17 = 0,
  case when p.g % 5 <> 4 then ${pick('leadSources', 'p.g / 19')} end,
  $ownerId::uuid,
  case when p.g % 10 = 0 then 'Met at ' || ${pick('cities', 'p.g')} || ' on a trade fair; follow up in spring.' end
from person p
left join account a on a.n = p.g % $accounts`

export interface LoadTarget {
  workspaceId: string
  ownerId: string
  contacts: number
  accounts: number
}

/** Inserts the target's accounts, then its contacts; answers how many contacts. */
export async function loadWorkspace (client: pg.ClientBase, target: LoadTarget): Promise<number> {
  await client.query(bind(INSERT_ACCOUNTS, {
    workspaceId: target.workspaceId,
    ownerId: target.ownerId,
    count: target.accounts,
    span: SPAN_SECONDS,
    industries: INDUSTRIES,
    types: ACCOUNT_TYPES
  }))
  const result = await client.query(bind(INSERT_CONTACTS, {
    workspaceId: target.workspaceId,
    ownerId: target.ownerId,
    count: target.contacts,
    accounts: target.accounts,
    span: SPAN_SECONDS,
    firstNames: FIRST_NAMES,
    lastNames: LAST_NAMES,
    domains: DOMAINS,
    titles: TITLES,
    departments: DEPARTMENTS,
    leadSources: LEAD_SOURCES,
    cities: CITIES,
    streets: STREETS
  }))
  return result.rowCount ?? 0
}

/** Random live contacts of the workspace, for the read-by-id scenario. */
export async function sampleContactIds (client: pg.ClientBase, workspaceId: string, size: number) {
  const { rows } = await client.query<{ id: string }>(
    `select id from contacts where workspace_id = $1 and deleted_at is null
      order by random() limit $2`,
    [workspaceId, size]
  )
  return rows.map((r) => r.id)
}
