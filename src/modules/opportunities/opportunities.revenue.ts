/**
 * amount × probability / 100 on whole cents in BigInt, rounded half up to a
 * cent: floats would turn "0.35" × 50 % into 0.17 instead of 0.18. Amounts
 * are non-negative (MoneySchema), so half up is plain "add half, truncate".
 */
export function expectedRevenue (amount: string | null, probability: number): string | null {
  if (amount === null) return null
  const [whole = '0', fraction = ''] = amount.split('.')
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2))
  const result = (cents * BigInt(probability) + 50n) / 100n
  const text = result.toString().padStart(3, '0')
  return `${text.slice(0, -2)}.${text.slice(-2)}`
}
