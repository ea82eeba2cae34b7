import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationError, withFieldErrors } from '../errors.js'

/**
 * PostgreSQL text cannot hold U+0000, and no CRM field needs it. Every
 * string of the query and the JSON body is checked before validation, so
 * a NUL is a clear 400 naming the field instead of a driver error.
 */
export function findNul (value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    const found = findNul(item, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`)
    if (found !== undefined) return found
    if (key.includes('\u0000')) return `${path}/${key}`
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
  const inBody = inQuery === undefined ? findNul(request.body) : undefined
  const pointer = inQuery !== undefined ? inQuery.slice(1) : inBody
  if (pointer === undefined) return
  const message = 'must not contain NUL characters'
  throw withFieldErrors(new ValidationError(`${pointer || 'body'} ${message}`), [{ pointer, message }])
}
