/**
 * File name patterns of folder sources: `*` is any run of characters, `?`
 * one character, everything else stands for itself (case-sensitive). A
 * pattern names files directly inside the workspace's import folder, never
 * a path: no separators, no `..`, no leading dot (hidden files are uploads
 * still being written; see the folder layout in import-schedules.folder.ts).
 */
export const MAX_PATTERN_LENGTH = 255

export function patternRefusal (pattern: string): string | undefined {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    return `must be 1 to ${MAX_PATTERN_LENGTH} characters`
  }
  if (/[/\\]/.test(pattern)) return 'must be a file name pattern, without path separators'
  if (pattern.includes('..')) return 'must not contain ..'
  if (pattern.startsWith('.')) return 'must not start with a dot: hidden files are never imported'
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'must not contain control characters'
  return undefined
}

/**
 * Whether a whole file name matches the pattern. The classic wildcard
 * match with one backtrack point: at most pattern × name steps, however
 * many stars the pattern holds (a regular expression could backtrack
 * exponentially on them).
 */
export function matchesPattern (pattern: string, name: string): boolean {
  const p = [...pattern]
  const n = [...name]
  let i = 0
  let j = 0
  let star = -1
  let resume = 0
  while (j < n.length) {
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === n[j]))) {
      i++
      j++
    } else if (i < p.length && p[i] === '*') {
      star = i++
      resume = j
    } else if (star >= 0) {
      i = star + 1
      j = ++resume
    } else {
      return false
    }
  }
  while (i < p.length && p[i] === '*') i++
  return i === p.length
}
