import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationError, withFieldErrors } from '../errors.js'

/**
 * PostgreSQL text cannot hold U+0000, and no CRM field needs it. Every
 * string of the query and the JSON body is checked before validation, so
 * a NUL is a clear 400 naming the field instead of a driver error.
 */
/** No schema of ours nests deeper; anything deeper is refused before it is walked. */
export const MAX_DEPTH = 32

/**
 * The JSON Pointer of the first string or key holding a NUL, '' for the
 * root, or undefined. Walks with an explicit stack, so a hostile body of a
 * million nested arrays cannot overflow the call stack; past MAX_DEPTH it
 * answers the pointer of the too-deep value with `tooDeep`.
 */
export function findNul (value: unknown): { pointer: string, tooDeep: boolean } | undefined {
  const stack: { value: unknown, path: string, depth: number }[] = [{ value, path: '', depth: 0 }]
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown, path: string, depth: number }
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return { pointer: item.path, tooDeep: false }
      continue
    }
    if (item.value === null || typeof item.value !== 'object') continue
    if (item.depth >= MAX_DEPTH) return { pointer: item.path, tooDeep: true }
    for (const [key, child] of Object.entries(item.value)) {
      const path = `${item.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (key.includes('\u0000')) return { pointer: path, tooDeep: false }
      stack.push({ value: child, path, depth: item.depth + 1 })
    }
  }
  return undefined
}

export function registerNulGuard (app: FastifyInstance) {
  // Only routes that take a query string or a body have text to check.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { querystring?: unknown, body?: unknown } | undefined
    if (schema?.querystring === undefined && schema?.body === undefined) return
    const hooks = route.preValidation === undefined ? [] : [route.preValidation].flat()
    route.preValidation = [...hooks, guard]
  })
}

async function guard (request: FastifyRequest) {
  const inQuery = findNul(request.query)
  const found = inQuery ?? findNul(request.body)
  if (found === undefined) return
  const pointer = inQuery !== undefined ? found.pointer.slice(1) : found.pointer
  const message = found.tooDeep ? `is nested deeper than ${MAX_DEPTH} levels` : 'must not contain NUL characters'
  throw withFieldErrors(new ValidationError(`${pointer || 'body'} ${message}`), [{ pointer, message }])
}
