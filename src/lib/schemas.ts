import { type Static, Type, type TSchema, type TUnsafe } from 'typebox'

/** Shared building blocks of the contract; every module builds on these. */

export const UuidSchema = Type.String({
  format: 'uuid',
  examples: ['0b5c6f7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f']
})

export const TimestampSchema = Type.String({
  format: 'date-time',
  description: 'RFC 3339, UTC, milliseconds',
  examples: ['2026-12-03T10:20:30.123Z']
})

export const DateSchema = Type.String({
  format: 'date',
  description: 'calendar date, YYYY-MM-DD',
  examples: ['2026-12-31']
})

/** Money is a decimal string, never a float: at most 12 integer and 2 fraction digits. */
export const MoneySchema = Type.String({
  pattern: '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$',
  description: 'non-negative decimal amount, at most two fraction digits',
  examples: ['1250.00']
})

export const CurrencySchema = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 code',
  examples: ['USD']
})

export const CountrySchema = Type.String({
  pattern: '^[A-Z]{2}$',
  description: 'ISO 3166-1 alpha-2 code',
  examples: ['DE']
})

export const EmailSchema = Type.String({
  format: 'email',
  maxLength: 254,
  examples: ['ada@example.com']
})

export const UrlSchema = Type.String({
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2048,
  examples: ['https://www.example.com']
})

export const PhoneSchema = Type.String({
  minLength: 3,
  maxLength: 40,
  pattern: '^[+0-9 ().\\-x]+$',
  examples: ['+49 30 1234567']
})

export const VersionSchema = Type.Integer({
  minimum: 1,
  description: 'starts at 1, grows by one on every change'
})

/**
 * A value or null. Scalars and objects get `type: [T, "null"]` (OpenAPI 3.1),
 * which validates and serializes faster than anyOf and reads plainly in an
 * SDK; references keep anyOf.
 */
export function Nullable<T extends TSchema> (schema: T): TUnsafe<Static<T> | null> {
  const plain = { ...(schema as Record<string, unknown>) }
  if (typeof plain.type === 'string' && plain.$ref === undefined) {
    plain.type = [plain.type, 'null']
    if (Array.isArray(plain.enum)) plain.enum = [...plain.enum, null]
    return Type.Unsafe<Static<T> | null>(plain)
  }
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]))
}

/** An enum of lower snake_case strings, typed as their union. */
export function StringEnum<const T extends readonly string[]> (
  values: T,
  options: Record<string, unknown> = {}
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

export function Text (maxLength: number, options: Record<string, unknown> = {}) {
  return Type.String({ minLength: 1, maxLength, ...options })
}

export const AddressSchema = Type.Object(
  {
    street: Nullable(Text(500)),
    city: Nullable(Text(200)),
    region: Nullable(Text(200)),
    postalCode: Nullable(Text(40)),
    country: Nullable(CountrySchema)
  },
  {
    $id: 'Address',
    additionalProperties: false,
    examples: [{ street: 'Hauptstr. 1', city: 'Berlin', region: null, postalCode: '10115', country: 'DE' }]
  }
)

/** The written form of an address: every part optional. */
export const AddressInputSchema = Type.Partial(
  Type.Object({
    street: Nullable(Text(500)),
    city: Nullable(Text(200)),
    region: Nullable(Text(200)),
    postalCode: Nullable(Text(40)),
    country: Nullable(CountrySchema)
  }),
  { additionalProperties: false }
)

export const AddressRefSchema = Type.Unsafe<{
  street: string | null
  city: string | null
  region: string | null
  postalCode: string | null
  country: string | null
}>(Type.Ref('Address'))

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'URI naming the problem, stable across releases',
      examples: ['/problems/validation-error']
    }),
    title: Type.String({
      description: 'short fixed summary of the type',
      examples: ['Validation error']
    }),
    status: Type.Integer({ minimum: 400, maximum: 599, examples: [400] }),
    detail: Type.String({
      description: 'what went wrong this time, safe to show',
      examples: ['body/name must not be empty']
    }),
    instance: Type.String({ description: 'the request path', examples: ['/v1/accounts'] }),
    code: Type.String({ description: 'machine-readable code', examples: ['CRM_VALIDATION_ERROR'] }),
    requestId: Type.String({ description: 'also found in the logs', examples: ['req-1'] }),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pointer: Type.String({
              description: 'JSON Pointer into the body, or a parameter name',
              examples: ['/name']
            }),
            message: Type.String({ examples: ['must NOT have fewer than 1 characters'] })
          },
          { additionalProperties: false }
        )
      )
    )
  },
  {
    $id: 'Problem',
    additionalProperties: false,
    description: 'RFC 9457 problem details',
    examples: [{
      type: '/problems/validation-error',
      title: 'Validation error',
      status: 400,
      detail: 'body/name is required',
      instance: '/v1/accounts',
      code: 'CRM_VALIDATION_ERROR',
      requestId: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
      errors: [{ pointer: '/name', message: 'is required' }]
    }]
  }
)

export const ProblemRefSchema = Type.Unsafe(Type.Ref('Problem'))

export function pageSchema<T extends TSchema> (item: T, description: string) {
  return Type.Object(
    {
      data: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'pass back as `cursor` for the next page; null on the last page'
      })
    },
    { description, additionalProperties: false }
  )
}
