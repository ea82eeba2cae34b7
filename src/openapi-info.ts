/** The contract's version: minor for additions, a new /vN for breaking changes. */
export const API_VERSION = '1.0.0'

export const API_TAGS = [
  { name: 'Auth', description: 'Sign-up, sign-in and the current caller' },
  { name: 'Users', description: 'People who sign in to the workspace (admins manage them)' },
  { name: 'API keys', description: 'Long-lived secrets for integrations; shown once at creation' },
  { name: 'Accounts', description: 'Organizations the business deals with' },
  { name: 'Contacts', description: 'People, usually at an account' },
  { name: 'Leads', description: 'Prospects not yet qualified' },
  { name: 'Opportunities', description: 'Potential sales moving through the pipeline' },
  { name: 'Opportunity stages', description: 'The workspace pipeline' },
  { name: 'Products', description: 'The catalogue' },
  { name: 'Cases', description: 'Support requests' },
  { name: 'Campaigns', description: 'Marketing campaigns, their members and statistics' },
  { name: 'Lead scoring', description: 'Rules that score leads 0 to 100, and each lead\'s breakdown' },
  { name: 'Imports', description: 'CSV and NDJSON files loaded into accounts, contacts, leads or products, once or on a schedule' },
  { name: 'Exports', description: 'Every record a filter selects, streamed as CSV or NDJSON' },
  { name: 'Tracking', description: 'Public links inside campaign email: opens, clicks and unsubscribes' },
  { name: 'Jobs', description: 'Work that takes longer than a request: status, progress and result' },
  { name: 'Reports', description: 'Dashboard numbers: the pipeline, leads and cases, computed in one query each' },
  { name: 'Health', description: 'Liveness and readiness for orchestrators' }
]
