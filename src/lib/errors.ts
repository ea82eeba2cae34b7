import createError from '@fastify/error'

type FastifyErrorConstructor = createError.FastifyErrorConstructor

/**
 * The catalogue of problems every module can raise. A problem's type URI and
 * title come from its code: CRM_CONTACT_NOT_FOUND is
 * `/problems/contact-not-found`, "Contact not found". Module-specific errors
 * live in the module's own errors file and are made with `defineError`.
 */

export interface FieldError {
  pointer: string
  message: string
}

export interface CrmError extends Error {
  code: string
  statusCode: number
  errors?: FieldError[]
}

export function defineError (code: string, message: string, status: number): FastifyErrorConstructor {
  if (!code.startsWith('CRM_')) throw new Error(`error code ${code} must start with CRM_`)
  return createError(code, message, status)
}

/** Attaches field-level details, for problems that point into the body. */
export function withFieldErrors<E extends Error> (error: E, errors: FieldError[]): E {
  (error as unknown as CrmError).errors = errors
  return error
}

export function problemSlug (code: string): string {
  return code.replace(/^CRM_/, '').toLowerCase().replaceAll('_', '-')
}

export function problemTitle (code: string): string {
  const words = problemSlug(code).replaceAll('-', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export const ValidationError = defineError('CRM_VALIDATION_ERROR', '%s', 400)
export const BadRequestError = defineError('CRM_BAD_REQUEST', '%s', 400)
export const UnauthorizedError = defineError('CRM_UNAUTHORIZED', '%s', 401)
export const ForbiddenError = defineError('CRM_FORBIDDEN', '%s', 403)
export const RouteNotFoundError = defineError('CRM_ROUTE_NOT_FOUND', 'No route %s %s', 404)
export const MethodNotAllowedError = defineError('CRM_METHOD_NOT_ALLOWED', '%s', 405)
export const ConflictError = defineError('CRM_CONFLICT', '%s', 409)
export const DuplicateError = defineError('CRM_DUPLICATE', '%s', 409)
export const PreconditionFailedError = defineError(
  'CRM_PRECONDITION_FAILED',
  'If-Match %s does not match the current version %s',
  412
)
export const PayloadTooLargeError = defineError('CRM_PAYLOAD_TOO_LARGE', '%s', 413)
export const UnsupportedMediaTypeError = defineError('CRM_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const InvalidReferenceError = defineError('CRM_INVALID_REFERENCE', '%s', 422)
export const UnprocessableError = defineError('CRM_UNPROCESSABLE', '%s', 422)
export const IdempotencyKeyReusedError = defineError(
  'CRM_IDEMPOTENCY_KEY_REUSED',
  'Idempotency-Key was already used with a different request',
  422
)
export const IdempotencyInProgressError = defineError(
  'CRM_IDEMPOTENCY_IN_PROGRESS',
  'a request with this Idempotency-Key is still being processed',
  409
)
export const TooManyRequestsError = defineError('CRM_TOO_MANY_REQUESTS', '%s', 429)
export const InternalError = defineError('CRM_INTERNAL_ERROR', 'An unexpected error occurred', 500)
export const UnavailableError = defineError('CRM_SERVICE_UNAVAILABLE', '%s', 503)
