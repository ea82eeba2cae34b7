export interface Address {
  street: string | null
  city: string | null
  region: string | null
  postalCode: string | null
  country: string | null
}

const PARTS = ['street', 'city', 'region', 'postalCode', 'country'] as const

/** Fills the missing parts of a written address with null; an empty one is null. */
export function normalizeAddress (input: Partial<Address> | null | undefined): Address | null {
  if (input == null) return null
  const address = Object.fromEntries(PARTS.map((p) => [p, input[p] ?? null])) as unknown as Address
  return PARTS.every((p) => address[p] === null) ? null : address
}

/** RFC 7396 merge of a written address into the stored one. */
export function mergeAddress (
  current: Address | null,
  patch: Partial<Address> | null | undefined
): Address | null {
  if (patch === null) return null
  if (patch === undefined) return current
  return normalizeAddress({ ...(current ?? {}), ...patch })
}
