import { BadRequestError, withFieldErrors } from '../errors.js'

/**
 * A cursor is opaque to clients: base64url of JSON holding the sort it was
 * made for and the last row's sort values. It is bound to its sort, so a
 * cursor replayed with another `sort` is refused instead of skipping rows.
 */
export interface CursorState {
  sort: string
  values: unknown[]
}

export function encodeCursor (state: CursorState): string {
  return Buffer.from(JSON.stringify([state.sort, ...state.values])).toString('base64url')
}

export function decodeCursor (cursor: string, sort: string, arity: number): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor('cursor is not one this API issued')
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1) {
    throw invalidCursor('cursor is not one this API issued')
  }
  if (parsed[0] !== sort) {
    throw invalidCursor('cursor was issued for another sort; pass the same sort as the first page')
  }
  return parsed.slice(1)
}

function invalidCursor (message: string) {
  return withFieldErrors(new BadRequestError(message), [{ pointer: 'cursor', message }])
}
