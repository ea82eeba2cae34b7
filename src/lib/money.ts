/** "1250" and "1250.5" become "1250.00" and "1250.50", as Postgres shows numeric(14,2). */
export function normalizeMoney (value: string | null | undefined): string | null | undefined {
  if (value === null || value === undefined) return value
  const [whole, fraction = ''] = value.split('.')
  return `${whole}.${fraction.padEnd(2, '0')}`
}
