import { Decimal } from 'decimal.js'

/**
 * Line item arithmetic in exact decimals. The inputs have at most 10 + 4,
 * 12 + 2 and 3 + 2 digits, so a product has at most 33 significant digits:
 * 60 keeps every intermediate exact (decimal.js rounds to 20 by default).
 */
const Exact = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP })

/** The largest value a numeric(14,2) column (a price, a total, an amount) holds. */
export const MAX_MONEY = '999999999999.99'

/**
 * quantity × unitPrice × (100 − discountPercent) / 100, rounded half up to
 * cents: "3" × "0.35" at 50 % is "0.53" (0.525 up), never a float's 0.52.
 */
export function lineItemTotal (
  quantity: string,
  unitPrice: string,
  discountPercent: string
): string {
  return new Exact(quantity)
    .times(unitPrice)
    .times(new Exact(100).minus(discountPercent))
    .dividedBy(100)
    .toFixed(2, Exact.ROUND_HALF_UP)
}

/** Whether a money value exceeds what the columns hold. */
export function exceedsMoney (value: string): boolean {
  return new Exact(value).greaterThan(MAX_MONEY)
}
