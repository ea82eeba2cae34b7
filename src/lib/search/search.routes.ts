import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { jsonResponse, problemResponses } from '../http/responses.js'
import { recordSchemaId } from '../resource/resource.routes.js'
import type { AnyResourceDefinition } from '../resource/resource.js'
import {
  OPERATORS_BY_KIND, type ParentSpec, type SearchCatalogue, searchCatalogue
} from './search.fields.js'
import {
  checkedFilter, MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_LIST_VALUES
} from './search.filter.js'
import { type SearchBody, searchRecords } from './search.queries.js'
import { filterSchemas, searchBodySchema, searchPageSchema } from './search.schemas.js'

/** The operation's description: every rule of the filter, for this resource. */
function describe (
  def: AnyResourceDefinition,
  parents: readonly ParentSpec[],
  catalogue: SearchCatalogue
): string {
  const exampleOf = (parent: string) =>
    [...catalogue.values()].find((f) => f.parent?.name === parent && f.kind === 'text')?.name
  const parentFields = parents
    .map((p) => `its ${p.name}'s as \`${p.name}.<field>\` (\`${exampleOf(p.name)}\`)`)
    .join(', ')
  const fields = parents.length === 0
    ? `the ${def.name}'s own fields`
    : `the ${def.name}'s own fields and ${parentFields}`
  const ops = (kind: keyof typeof OPERATORS_BY_KIND) => OPERATORS_BY_KIND[kind].join(', ')
  return [
    `Finds ${def.plural} matching \`filter\` and \`q\`, a page at a time, with the cursor, ` +
      `sort and \`q\` of \`GET /v1/${def.plural}\`. \`includeTotal\` adds \`total\`, the ` +
      'number of all matches.',
    '',
    '- `filter` is a condition `{ field, op, value }` or a group: `{ and: [...] }` (all ' +
      'hold; an empty list always does), `{ or: [...] }` (at least one holds; an empty list ' +
      `never does) or \`{ not: ... }\`. It nests at most ${MAX_FILTER_DEPTH} levels and holds ` +
      `at most ${MAX_FILTER_NODES} nodes; \`in\` and \`notIn\` take at most ` +
      `${MAX_LIST_VALUES} values.`,
    `- Fields: ${fields}. Addresses are not searchable, nor are computed fields (such as ` +
      'a case\'s isOverdue or an opportunity\'s expectedRevenue): the list filters cover ' +
      'the ones a team asks for (`isOverdue`, `probabilityMin`).',
    `- Operators by kind of field: text ${ops('text')}; enums and ids ${ops('uuid')}; ` +
      `booleans ${ops('boolean')}; integers, money (decimal strings such as "1250.00"), ` +
      `dates (YYYY-MM-DD) and timestamps (RFC 3339) ${ops('integer')}.`,
    '- Text comparisons ignore case (eq, neq, in, notIn, contains, startsWith). contains ' +
      'and startsWith match the value literally: `%` and `_` are not wildcards.',
    '- An empty (null) field never satisfies eq, in, lt, lte, gt, gte, contains or ' +
      'startsWith, and always satisfies neq and notIn; `isNull` with value true (the ' +
      'default) or false tests for it. A parent field is null when there is no parent.',
    '- `not` is two-valued: `{ not: X }` matches exactly the records that X does not.',
    '- A field, operator or value that does not fit answers 400 with a pointer to it, ' +
      'such as `/filter/and/1/value`. The cursor is bound to the sort: send the same body ' +
      'with each page.'
  ].join('\n')
}

/**
 * The body validator of a search route: the options of the app's body
 * validator (src/lib/http/validation.ts: strict types, defaults, every
 * error), plus the filter's components, which the body references by $id
 * and which that shared validator does not know.
 */
function bodyValidator (components: TSchema[]): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
    verbose: true,
    coerceTypes: false
  })
  addFormats.default(ajv)
  for (const schema of components) ajv.addSchema(schema as object)
  return ({ schema }) => ajv.compile(schema as object)
}

/**
 * `POST /v1/<plural>/search` for a resource whose filter may also name
 * fields of `parents`. The filter is checked before schema validation so
 * that a wrong node is reported once, at its own pointer.
 */
export function registerSearch (
  app: FastifyInstance,
  def: AnyResourceDefinition,
  parents: readonly ParentSpec[]
) {
  const catalogue = searchCatalogue(def, parents)
  const components = filterSchemas(def, catalogue)
  for (const schema of components) app.addSchema(schema)
  const checkFilter = async (request: FastifyRequest) => {
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return
    if (!Object.hasOwn(body, 'filter')) return
    checkedFilter(catalogue, (body as { filter: unknown }).filter)
  }
  app.post(`/v1/${def.plural}/search`, {
    config: { permission: { resource: def.plural, action: 'read' } },
    preValidation: checkFilter,
    validatorCompiler: bodyValidator(components),
    schema: {
      tags: [def.tag],
      operationId: `search${def.nounPlural}`,
      summary: `Search ${def.plural}`,
      description: describe(def, parents, catalogue),
      security: [{ bearerAuth: [] }],
      body: searchBodySchema(def),
      response: {
        200: jsonResponse(
          `A page of matching ${def.plural}`, searchPageSchema(def, recordSchemaId(def))
        ),
        ...problemResponses(400, 401, 403, 413, 415)
      }
    }
  }, async (request) => {
    const body = request.body as SearchBody
    const page = await searchRecords(app.deps.db, def, catalogue, request.tenant.workspaceId, body)
    const out: { data: unknown[], nextCursor: string | null, total?: number } = {
      data: page.rows.map(def.toDto),
      nextCursor: page.nextCursor
    }
    if (page.total !== undefined) out.total = page.total
    return out
  })
}
