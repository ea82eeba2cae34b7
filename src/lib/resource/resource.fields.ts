import { normalizeAddress, mergeAddress, type Address } from '../address.js'
import { normalizeMoney } from '../money.js'

/**
 * Turning validated bodies into column values. `pick` copies the fields the
 * body names (a create fills the rest with null; a patch leaves them alone),
 * so each module only writes its derived and special fields.
 */
export function pickFields (body: Record<string, unknown>, fields: readonly string[]) {
  const out: Record<string, unknown> = {}
  for (const f of fields) if (body[f] !== undefined) out[f] = body[f]
  return out
}

export function moneyFields (values: Record<string, unknown>, fields: readonly string[]) {
  for (const f of fields) {
    if (values[f] !== undefined) values[f] = normalizeMoney(values[f] as string | null)
  }
  return values
}

export function createAddresses (
  values: Record<string, unknown>,
  body: Record<string, unknown>,
  fields: readonly string[]
) {
  for (const f of fields) {
    values[f] = normalizeAddress(body[f] as Partial<Address> | null | undefined)
  }
  return values
}

export function patchAddresses (
  values: Record<string, unknown>,
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
  fields: readonly string[]
) {
  for (const f of fields) {
    if (patch[f] !== undefined) {
      values[f] = mergeAddress(current[f] as Address | null, patch[f] as Partial<Address> | null)
    }
  }
  return values
}

/** The host of a website without "www.", lower case: what duplicates are matched on. */
export function domainOf (website: string | null | undefined): string | null {
  if (website == null) return null
  try {
    return new URL(website).hostname.toLowerCase().replace(/^www\./, '') || null
  } catch {
    return null
  }
}
