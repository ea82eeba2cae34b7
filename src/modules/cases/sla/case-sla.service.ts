import type { Database } from '../../../db/pool.js'
import { type FieldError, withFieldErrors } from '../../../lib/errors.js'
import { deleteRecord, insertRecord, updateRecord } from '../../../lib/records/record-writer.js'
import type { Tenant, WriteContext } from '../../../lib/records/tenant.js'
import { SLA_PRIORITIES } from './case-sla.defaults.js'
import { InvalidSlaPolicyError } from './case-sla.errors.js'
import { listSlaPolicies, lockAllSlaRows, lockSlaPolicies } from './case-sla.queries.js'
import type { CaseSlaPolicy, ReplaceCaseSlaPoliciesBody } from './case-sla.schemas.js'
import { caseSlaPolicies } from './case-sla.table.js'

type PolicyInput = ReplaceCaseSlaPoliciesBody['policies'][number]

/** Each priority at most once, and a resolution time no shorter than the first response time. */
function assertValid (policies: PolicyInput[]) {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  policies.forEach((p, i) => {
    if (seen.has(p.priority)) {
      const message = `${p.priority} is listed more than once`
      errors.push({ pointer: `/policies/${i}/priority`, message })
    }
    seen.add(p.priority)
    if (p.resolutionMinutes < p.firstResponseMinutes) {
      errors.push({
        pointer: `/policies/${i}/resolutionMinutes`,
        message: `must be at least firstResponseMinutes (${p.firstResponseMinutes})`
      })
    }
  })
  if (errors.length === 0) return
  const detail = errors.map((e) => `${e.pointer}: ${e.message}`).join('; ')
  throw withFieldErrors(new InvalidSlaPolicyError(detail), errors)
}

/**
 * Makes `policies` the workspace's service levels, in one transaction: a
 * listed priority gets (or keeps, changed) its row, a priority left out
 * loses its row and falls back to the default. Cases already open keep
 * their due times. Answers the policies as they now apply.
 */
export async function replaceSlaPolicies (
  db: Database,
  tenant: Tenant,
  body: ReplaceCaseSlaPoliciesBody
): Promise<CaseSlaPolicy[]> {
  assertValid(body.policies)
  return db.transaction(async (tx) => {
    const ctx: WriteContext = { tx, tenant }
    await lockSlaPolicies(tx, tenant.workspaceId)
    const rows = new Map((await lockAllSlaRows(tx, tenant.workspaceId)).map((r) => [r.priority, r]))
    const wanted = new Map(body.policies.map((p) => [p.priority, p]))

    for (const priority of SLA_PRIORITIES) {
      const row = rows.get(priority)
      const policy = wanted.get(priority)
      if (policy === undefined) {
        const isLive = row !== undefined && row.deletedAt === null
        if (isLive) await deleteRecord(ctx, caseSlaPolicies, row)
        continue
      }
      const values = {
        firstResponseMinutes: policy.firstResponseMinutes,
        resolutionMinutes: policy.resolutionMinutes
      }
      if (row === undefined) await insertRecord(ctx, caseSlaPolicies, { priority, ...values })
      else await updateRecord(ctx, caseSlaPolicies, row, { ...values, deletedAt: null })
    }
    return listSlaPolicies(tx, tenant.workspaceId)
  })
}
