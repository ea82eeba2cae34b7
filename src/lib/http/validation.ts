import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

/**
 * Bodies are validated strictly: no type coercion ("5" is not 5) and no
 * silent stripping of unknown properties (they are refused). Query strings,
 * path parameters and headers arrive as text, so there numbers and booleans
 * are coerced from their text form.
 */
const common: Options = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  strict: false,
  // Keeps each error's schema at hand, for the messages a schema states itself.
  verbose: true
}

function makeAjv (coerceTypes: boolean) {
  const ajv = new Ajv({ ...common, coerceTypes })
  addFormats.default(ajv)
  return ajv
}

const bodyAjv = makeAjv(false)
const textAjv = makeAjv(true)

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv
  return ajv.compile(schema as object)
}

/** A body validator built exactly as the routes build theirs (imports check rows with it). */
export function compileBodySchema (schema: object) {
  return bodyAjv.compile(schema)
}
