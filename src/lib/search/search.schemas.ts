import { Type, type TSchema } from 'typebox'
import { MAX_SORT_KEYS } from '../list/sort.js'
import { DEFAULT_LIMIT, MAX_LIMIT } from '../resource/resource.queries.js'
import type { AnyResourceDefinition } from '../resource/resource.js'
import { StringEnum } from '../schemas.js'
import { OPERATORS, type SearchCatalogue } from './search.fields.js'
import {
  MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_LIST_VALUES, MAX_TEXT_LENGTH
} from './search.filter.js'

/**
 * The contract of a resource's search: its filter tree as components, the
 * body and the page. The tree is spelled out level by level down to its
 * maximum depth rather than as one self-referencing schema, so the
 * document states the depth limit and every tool that walks it (SDK
 * generators, the contract fuzz) terminates.
 */

const Scalar = () => Type.Union([
  Type.String({ maxLength: MAX_TEXT_LENGTH }),
  Type.Number(),
  Type.Boolean()
])

const ValueSchema = Type.Union([
  Scalar(),
  Type.Array(Scalar(), { maxItems: MAX_LIST_VALUES })
], {
  description: 'what the field is compared with: a string, number or boolean of the ' +
    `field's kind; an array of them (at most ${MAX_LIST_VALUES}) for in and notIn; ` +
    'true (the default) or false for isNull'
})

const conditionId = (def: AnyResourceDefinition) => `${def.noun}SearchCondition`
const levelId = (def: AnyResourceDefinition, level: number) =>
  level === 1 ? `${def.noun}SearchFilter` : `${def.noun}SearchFilterLevel${level}`

export const filterSchemaId = (def: AnyResourceDefinition) => levelId(def, 1)

const ref = (id: string) => Type.Unsafe(Type.Ref(id))

/** The components of one resource's filter, each with its $id, to add once with app.addSchema. */
export function filterSchemas (def: AnyResourceDefinition, catalogue: SearchCatalogue): TSchema[] {
  const names = [...catalogue.keys()]
  const text = [...catalogue.values()].find((f) => f.kind === 'text' && f.parent === undefined)
  const example = text === undefined
    ? { field: 'createdAt', op: 'gte', value: '2026-01-01T00:00:00.000Z' }
    : { field: text.name, op: 'contains', value: 'acme' }
  const condition = Type.Object(
    {
      field: StringEnum(names, {
        description: `a field of the ${def.name}, or of a parent as <parent>.<field>`
      }),
      op: StringEnum(OPERATORS),
      value: Type.Optional(ValueSchema)
    },
    {
      $id: conditionId(def),
      description: `One condition on a field of the ${def.name} or of its parent`,
      additionalProperties: false,
      examples: [example]
    }
  )
  const recent = { field: 'createdAt', op: 'lt', value: '2026-01-01T00:00:00.000Z' }
  const levels: TSchema[] = []
  for (let level = 1; level < MAX_FILTER_DEPTH; level++) {
    const child = ref(level + 1 < MAX_FILTER_DEPTH ? levelId(def, level + 1) : conditionId(def))
    const list = Type.Array(child, { maxItems: MAX_FILTER_NODES })
    levels.push(Type.Union(
      [
        Type.Object({ and: list }, {
          additionalProperties: false,
          description: 'every filter holds (an empty list always holds)'
        }),
        Type.Object({ or: list }, {
          additionalProperties: false,
          description: 'at least one filter holds (an empty list never holds)'
        }),
        Type.Object({ not: child }, {
          additionalProperties: false,
          description: 'the filter does not hold'
        }),
        ref(conditionId(def))
      ],
      {
        $id: levelId(def, level),
        description: level === 1
          ? `A filter over ${def.plural}: a condition, or and / or / not of filters; ` +
            `at most ${MAX_FILTER_DEPTH} levels and ${MAX_FILTER_NODES} nodes`
          : `A filter nested at level ${level} of ${MAX_FILTER_DEPTH}`,
        // A nested level's example is a filter that nests no deeper than the level allows.
        examples: [level + 1 < MAX_FILTER_DEPTH ? { and: [example, { not: recent }] } : { or: [example, recent] }]
      }
    ))
  }
  return [condition, ...levels]
}

/** The sort grammar of the resource's list, with its own field names. */
function sortPattern (fields: string[]): string {
  const key = `-?(${fields.join('|')})`
  return `^${key}(,${key}){0,${MAX_SORT_KEYS - 1}}$`
}

export function searchBodySchema (def: AnyResourceDefinition) {
  const sortable = Object.keys(def.sortable)
  return Type.Object(
    {
      filter: Type.Optional(ref(filterSchemaId(def))),
      q: Type.Optional(Type.String({
        minLength: 1, maxLength: 200, description: def.searchDescription
      })),
      sort: Type.Optional(Type.String({
        pattern: sortPattern(sortable),
        'x-pattern-message':
          `must be a comma list of ${sortable.join(', ')}, each with an optional '-'`,
        description: `comma list of ${sortable.join(', ')}; '-' for descending; default -createdAt`,
        examples: ['-createdAt']
      })),
      limit: Type.Optional(Type.Integer({
        minimum: 1,
        maximum: MAX_LIMIT,
        default: DEFAULT_LIMIT,
        description: `page size, at most ${MAX_LIMIT}`
      })),
      cursor: Type.Optional(Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'the nextCursor of the previous page, with the same sort'
      })),
      includeTotal: Type.Optional(Type.Boolean({
        default: false, description: 'add `total`, the number of all matches (one more query)'
      }))
    },
    {
      additionalProperties: false,
      examples: [{
        filter: { field: 'createdAt', op: 'gte', value: '2026-01-01T00:00:00.000Z' },
        sort: '-createdAt',
        limit: 50,
        includeTotal: true
      }]
    }
  )
}

export function searchPageSchema (def: AnyResourceDefinition, recordId: string) {
  return Type.Object(
    {
      data: Type.Array(ref(recordId)),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'pass back as `cursor` (with the same body otherwise) for the next page; ' +
          'null on the last page'
      }),
      total: Type.Optional(Type.Integer({
        minimum: 0,
        description: 'every match, not only this page; present when includeTotal was true'
      }))
    },
    { description: `A page of matching ${def.plural}`, additionalProperties: false }
  )
}
