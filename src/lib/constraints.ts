import type { FieldError } from './errors.js'

/**
 * Database constraint violations the API can explain. A unique index that
 * guards a field (a contact's email, a product's SKU) is registered here by
 * its module, so a race the pre-checks lost still answers a clear 409.
 */

interface UniqueRule {
  pointer: string
  message: string
  /** The code the module's own pre-check uses, so both paths answer alike. */
  code?: string
}

const uniqueRules = new Map<string, UniqueRule>()

export function registerUniqueConstraint (constraint: string, rule: UniqueRule) {
  uniqueRules.set(constraint, rule)
}

interface PgError { code?: unknown, constraint?: unknown, severity?: unknown }

export function constraintProblem (
  error: unknown
): { status: number, code: string, detail: string, errors?: FieldError[] } | undefined {
  // Drizzle wraps driver errors; the Postgres error is the cause.
  let e = error as PgError & { cause?: unknown }
  for (let depth = 0; depth < 3 && typeof e.severity !== 'string' && e.cause != null; depth++) {
    e = e.cause as PgError & { cause?: unknown }
  }
  if (typeof e.code !== 'string' || typeof e.severity !== 'string') return undefined
  switch (e.code) {
    case '23505': {
      const rule = typeof e.constraint === 'string' ? uniqueRules.get(e.constraint) : undefined
      if (rule === undefined) {
        return {
          status: 409, code: 'CRM_DUPLICATE', detail: 'a record with these values already exists'
        }
      }
      return {
        status: 409,
        code: rule.code ?? 'CRM_DUPLICATE',
        detail: rule.message,
        errors: [{ pointer: rule.pointer, message: rule.message }]
      }
    }
    case '23503':
      return {
        status: 422, code: 'CRM_INVALID_REFERENCE', detail: 'a referenced record does not exist'
      }
    case '40001':
    case '40P01':
      return {
        status: 409,
        code: 'CRM_CONFLICT',
        detail: 'the record was changed concurrently; retry the request'
      }
    case '22021':
    case '22P05':
      return {
        status: 400, code: 'CRM_VALIDATION_ERROR', detail: 'text must not contain NUL characters'
      }
    case '22003':
      return { status: 400, code: 'CRM_VALIDATION_ERROR', detail: 'a number is out of range' }
    case '57014':
      return {
        status: 503,
        code: 'CRM_SERVICE_UNAVAILABLE',
        detail: 'the request took too long; retry later'
      }
    default:
      return undefined
  }
}
