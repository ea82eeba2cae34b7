import type { FastifyInstance } from 'fastify'
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
  app.addHook('preValidation', async (request) => {
    const inQuery = findNul(request.query)
    const inBody = inQuery === undefined ? findNul(request.body) : undefined
    const pointer = inQuery !== undefined ? inQuery.slice(1) : inBody
    if (pointer === undefined) return
    const message = 'must not contain NUL characters'
    throw withFieldErrors(new ValidationError(`${pointer || 'body'} ${message}`), [{ pointer, message }])
  })
}
