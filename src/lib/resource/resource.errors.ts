import { defineError } from '../errors.js'

const notFoundErrors = new Map<string, ReturnType<typeof defineError>>()

/** CRM_<RESOURCE>_NOT_FOUND, one error type per resource. */
export function notFound (def: { code: string, name: string }, id: string) {
  let ctor = notFoundErrors.get(def.code)
  if (ctor === undefined) {
    ctor = defineError(`CRM_${def.code}_NOT_FOUND`, `No ${def.name} with id %s`, 404)
    notFoundErrors.set(def.code, ctor)
  }
  return new ctor(id)
}
