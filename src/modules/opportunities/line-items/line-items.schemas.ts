import { type Static, Type } from 'typebox'
import {
  MoneySchema, Nullable, Text, TimestampSchema, UuidSchema, VersionSchema
} from '../../../lib/schemas.js'

/**
 * Quantities and discounts are decimal strings like money: a JSON number
 * cannot promise that 0.1 stays 0.1 through every client and parser, and
 * the total is computed from them in exact decimals.
 */
const QUANTITY = 'a decimal string greater than 0, at most 10 integer and 4 fraction digits'
const DISCOUNT = 'percent off the unit price, a decimal string from 0 to 100 with at most 2 fraction digits'

export const QuantitySchema = Type.String({
  // Positive: 1 to 10 integer digits, or 0.xxxx with a non-zero digit.
  pattern: '^([1-9][0-9]{0,9}(\\.[0-9]{1,4})?|0\\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))$',
  'x-pattern-message': 'must be a decimal string greater than 0 with at most 4 fraction digits',
  description: `${QUANTITY}; shown with four fraction digits`,
  examples: ['12']
})

export const DiscountPercentSchema = Type.String({
  pattern: '^(100(\\.0{1,2})?|[1-9]?[0-9](\\.[0-9]{1,2})?)$',
  'x-pattern-message': 'must be a decimal string from 0 to 100 with at most 2 fraction digits',
  description: `${DISCOUNT}; shown with two fraction digits`,
  examples: ['10']
})

const UnitPriceSchema = Type.String({
  ...MoneySchema,
  description: 'the price of one unit in the opportunity\'s currency; default: the product\'s unitPrice',
  examples: ['1499.00']
})

const DescriptionSchema = Text(2000, { examples: ['Three-year licence, billed yearly'] })

const record = {
  id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
  opportunityId: '0c4d2e6f-8a1b-4c3d-9e5f-7a8b9c0d1e2f',
  productId: '6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f',
  quantity: '12.0000',
  unitPrice: '1499.00',
  discountPercent: '10.00',
  totalPrice: '16189.20',
  description: 'Three-year licence, billed yearly',
  createdAt: '2026-12-03T10:20:30.123Z',
  updatedAt: '2026-12-03T10:20:30.123Z',
  version: 1
}

export const LineItemSchema = Type.Object(
  {
    id: UuidSchema,
    opportunityId: UuidSchema,
    productId: UuidSchema,
    quantity: QuantitySchema,
    unitPrice: UnitPriceSchema,
    discountPercent: DiscountPercentSchema,
    totalPrice: Type.String({
      ...MoneySchema,
      description: 'quantity × unitPrice × (100 − discountPercent) / 100, computed in exact decimals ' +
        'and rounded half up to cents',
      examples: ['16189.20']
    }),
    description: Nullable(DescriptionSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    version: VersionSchema
  },
  {
    $id: 'OpportunityLineItem',
    description: 'A product sold on an opportunity, priced in the opportunity\'s currency',
    additionalProperties: false,
    examples: [record]
  }
)

export const CreateLineItemBodySchema = Type.Object(
  {
    productId: Type.String({
      ...UuidSchema,
      description: 'a live, active product of the workspace; cannot be changed later'
    }),
    quantity: Type.Optional(
      Type.String({ ...QuantitySchema, description: `${QUANTITY}; default 1` })
    ),
    unitPrice: Type.Optional(UnitPriceSchema),
    discountPercent: Type.Optional(
      Type.String({ ...DiscountPercentSchema, description: `${DISCOUNT}; default 0` })
    ),
    description: Type.Optional(Nullable(DescriptionSchema))
  },
  {
    additionalProperties: false,
    examples: [{ productId: record.productId, quantity: '12', discountPercent: '10' }]
  }
)

export const UpdateLineItemBodySchema = Type.Object(
  {
    quantity: Type.Optional(QuantitySchema),
    unitPrice: Type.Optional(UnitPriceSchema),
    discountPercent: Type.Optional(DiscountPercentSchema),
    description: Type.Optional(Nullable(DescriptionSchema))
  },
  { additionalProperties: false, examples: [{ quantity: '15', discountPercent: '12.5' }] }
)

export type LineItem = Static<typeof LineItemSchema>
export type CreateLineItemBody = Static<typeof CreateLineItemBodySchema>
export type UpdateLineItemBody = Static<typeof UpdateLineItemBodySchema>
