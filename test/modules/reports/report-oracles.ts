/**
 * Independent computations of the reports over the records a test made,
 * in BigInt cents and plain loops: nothing here shares code with the SQL
 * it checks.
 */

export function toCents (money: string | null): bigint {
  if (money === null) return 0n
  const [whole = '0', fraction = ''] = money.split('.')
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'))
}

export function fromCents (cents: bigint): string {
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`
}

/** amount × probability / 100 in cents, rounded half up (amounts are never negative). */
export function weightedCents (amount: string | null, probability: number): bigint {
  const exact = toCents(amount) * BigInt(probability)
  return exact / 100n + (exact % 100n >= 50n ? 1n : 0n)
}

/** part / whole rounded half up to four places, as a string; null over nothing. */
export function rate (part: number, whole: number): string | null {
  if (whole === 0) return null
  const scaled = BigInt(part) * 10000n
  const q = scaled / BigInt(whole)
  const rounded = q + ((scaled % BigInt(whole)) * 2n >= BigInt(whole) ? 1n : 0n)
  return `${rounded / 10000n}.${String(rounded % 10000n).padStart(4, '0')}`
}

/** Ascending, with null after every value. */
export function nullsLast<T extends string | null> (a: T, b: T): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

export interface OpportunityRecord {
  stage: string
  ownerId: string | null
  closeDate: string | null
  amount: string | null
  probability: number
  currency: string
  isClosed: boolean
  expectedRevenue: string | null
}

export interface StageRecord {
  key: string
  label: string
  position: number
  isClosed: boolean
  isWon: boolean
}

export interface PipelineFilters {
  currency: string
  ownerIds?: (string | null)[]
  closeDateFrom?: string
  closeDateTo?: string
  includeClosed?: boolean
}

function sums (records: OpportunityRecord[]) {
  let amount = 0n
  let weighted = 0n
  for (const r of records) {
    amount += toCents(r.amount)
    weighted += weightedCents(r.amount, r.probability)
  }
  return { count: records.length, amount: fromCents(amount), weightedAmount: fromCents(weighted) }
}

function groupBy<K> (records: OpportunityRecord[], key: (r: OpportunityRecord) => K) {
  const groups = new Map<K, OpportunityRecord[]>()
  for (const r of records) groups.set(key(r), [...(groups.get(key(r)) ?? []), r])
  return [...groups.entries()]
}

/** The pipeline report as its description defines it. */
export function pipelineOracle (
  records: OpportunityRecord[],
  stages: StageRecord[],
  filters: PipelineFilters
) {
  const { closeDateFrom: from, closeDateTo: to } = filters
  const matching = records.filter((r) =>
    (filters.ownerIds === undefined || filters.ownerIds.includes(r.ownerId)) &&
    (from === undefined || (r.closeDate !== null && r.closeDate >= from)) &&
    (to === undefined || (r.closeDate !== null && r.closeDate <= to)) &&
    (filters.includeClosed !== false || !r.isClosed))
  const counted = matching.filter((r) => r.currency === filters.currency)
  const ordered = [...stages].sort((a, b) => a.position - b.position || (a.key < b.key ? -1 : 1))
  const byOwner = groupBy(counted, (r) => r.ownerId)
    .map(([ownerId, rs]) => ({ ownerId, ...sums(rs) }))
    .sort((a, b) => {
      const da = toCents(a.amount)
      const db = toCents(b.amount)
      if (da !== db) return da > db ? -1 : 1
      return b.count - a.count || nullsLast(a.ownerId, b.ownerId)
    })
  const byCloseMonth = groupBy(counted, (r) => r.closeDate?.slice(0, 7) ?? null)
    .map(([month, rs]) => ({ month, ...sums(rs) }))
    .sort((a, b) => nullsLast(a.month, b.month))
  return {
    currency: filters.currency,
    otherCurrencyOpportunities: matching.length - counted.length,
    totals: sums(counted),
    byStage: ordered.map((s) => ({
      stage: s.key,
      label: s.label,
      position: s.position,
      isClosed: s.isClosed,
      isWon: s.isWon,
      ...sums(counted.filter((r) => r.stage === s.key))
    })),
    byOwner,
    byCloseMonth
  }
}

export interface LeadRecord {
  status: string
  source: string | null
  score: number | null
  ownerId: string | null
  campaignId: string | null
  createdAt: string
}

export interface LeadsFilters {
  createdAtFrom?: string
  createdAtTo?: string
  ownerIds?: string[]
  campaignIds?: string[]
  sources?: string[]
}

const LEAD_STATUSES = ['open', 'contacted', 'qualified', 'unqualified', 'converted']

/** How many records have each key, every key present. */
function countEach<R> (keys: string[], records: R[], key: (r: R) => string) {
  return Object.fromEntries(keys.map((k) => [k, records.filter((r) => key(r) === k).length]))
}

/** Mean of integers rounded half up to two places, as a string. */
function mean (values: number[]): string | null {
  if (values.length === 0) return null
  const total = BigInt(values.reduce((a, b) => a + b, 0)) * 100n
  const n = BigInt(values.length)
  const hundredths = total / n + ((total % n) * 2n >= n ? 1n : 0n)
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`
}

/** The leads report as its description defines it. */
export function leadsOracle (records: LeadRecord[], filters: LeadsFilters = {}) {
  const at = (iso: string) => Date.parse(iso)
  const leads = records.filter((r) =>
    (filters.createdAtFrom === undefined || at(r.createdAt) >= at(filters.createdAtFrom)) &&
    (filters.createdAtTo === undefined || at(r.createdAt) <= at(filters.createdAtTo)) &&
    (filters.ownerIds === undefined || filters.ownerIds.includes(r.ownerId ?? '')) &&
    (filters.campaignIds === undefined || filters.campaignIds.includes(r.campaignId ?? '')) &&
    (filters.sources === undefined || filters.sources.includes(r.source ?? '')))
  const converted = (rs: LeadRecord[]) => rs.filter((r) => r.status === 'converted').length
  const sources = [...new Set(leads.map((r) => r.source))]
  const bySource = sources
    .map((source) => {
      const rs = leads.filter((r) => r.source === source)
      const n = converted(rs)
      return { source, total: rs.length, converted: n, conversionRate: rate(n, rs.length) }
    })
    .sort((a, b) => b.total - a.total || nullsLast(a.source, b.source))
  return {
    total: leads.length,
    byStatus: countEach(LEAD_STATUSES, leads, (r) => r.status),
    bySource,
    converted: converted(leads),
    conversionRate: rate(converted(leads), leads.length),
    averageScore: mean(leads.flatMap((r) => (r.score === null ? [] : [r.score])))
  }
}

export interface CaseRecord {
  status: string
  priority: string
  isClosed: boolean
  isOverdue: boolean
  ownerId: string | null
  accountId: string | null
  createdAt: string
  firstResponseAt: string | null
  firstResponseDueAt: string
  resolutionDueAt: string
  resolvedAt: string | null
  closedAt: string | null
}

export interface CasesFilters {
  ownerIds?: string[]
  accountIds?: string[]
  createdAtFrom?: string
  createdAtTo?: string
}

const OPEN_STATUSES = ['new', 'assigned', 'in_progress', 'pending_customer', 'escalated']
const PRIORITIES = ['low', 'normal', 'high', 'urgent']

/** The cases report as its description defines it, at the instant `now` (ms). */
export function casesOracle (records: CaseRecord[], now: number, filters: CasesFilters = {}) {
  const at = (iso: string | null) => (iso === null ? null : Date.parse(iso))
  const from = filters.createdAtFrom === undefined ? -Infinity : Date.parse(filters.createdAtFrom)
  const to = filters.createdAtTo === undefined ? Infinity : Date.parse(filters.createdAtTo)
  const cases = records.filter((r) =>
    (filters.ownerIds === undefined || filters.ownerIds.includes(r.ownerId ?? '')) &&
    (filters.accountIds === undefined || filters.accountIds.includes(r.accountId ?? '')) &&
    Date.parse(r.createdAt) >= from && Date.parse(r.createdAt) <= to)
  const open = cases.filter((r) => !r.isClosed)
  const firstResponse = cases.filter((r) => {
    const answered = at(r.firstResponseAt)
    const due = Date.parse(r.firstResponseDueAt)
    return answered === null ? now > due : answered > due
  })
  const resolution = cases.filter((r) => {
    const due = Date.parse(r.resolutionDueAt)
    if (!r.isClosed) return now > due
    const ended = at(r.closedAt) ?? at(r.resolvedAt)
    return ended !== null && ended > due
  })
  const overdue = open.filter((r) =>
    now > Date.parse(r.resolutionDueAt) ||
    (r.firstResponseAt === null && now > Date.parse(r.firstResponseDueAt)))
  const times = cases
    .flatMap((r) => (r.resolvedAt === null ? [] : [Date.parse(r.resolvedAt) - Date.parse(r.createdAt)]))
    .sort((a, b) => a - b)
  const upper = times[Math.floor(times.length / 2)]
  const lower = times[Math.ceil(times.length / 2) - 1]
  const medianMs = upper === undefined || lower === undefined ? null : (lower + upper) / 2
  const sumMs = times.reduce((a, b) => a + b, 0)
  // The mean in whole milliseconds, rounded half up.
  const meanMs = Math.floor((2 * sumMs + times.length) / (2 * times.length))
  return {
    open: {
      total: open.length,
      byPriority: countEach(PRIORITIES, open, (r) => r.priority),
      byStatus: countEach(OPEN_STATUSES, open, (r) => r.status)
    },
    slaBreaches: {
      firstResponse: firstResponse.length,
      resolution: resolution.length,
      openOverdue: overdue.length
    },
    resolved: {
      count: times.length,
      medianResolutionSeconds: medianMs === null ? null : medianMs / 1000,
      averageResolutionSeconds: times.length === 0 ? null : meanMs / 1000
    }
  }
}
