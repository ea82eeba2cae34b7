/** Turning query values into SQL parameters and rows into answers. */

/**
 * The values of a comma list, each a bound parameter. Ids need no case
 * folding: Postgres reads a uuid in either case.
 */
export const listValues = (value: string) => value.split(',')

/** Counts per key of a fixed list, every key present (0 when absent). */
export function countsByKey<const K extends readonly string[]> (
  keys: K,
  counts: Record<string, number> | null
): Record<K[number], number> {
  return Object.fromEntries(keys.map((k) => [k, counts?.[k] ?? 0])) as Record<K[number], number>
}
