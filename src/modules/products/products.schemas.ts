import { Type, type Static } from 'typebox'
import { resourceSchemas } from '../../lib/resource/resource.schemas.js'
import { CurrencySchema, MoneySchema, Text, UuidSchema } from '../../lib/schemas.js'

const example = {
  name: 'Widget Pro 3000',
  sku: 'WP-3000',
  description: 'Industrial widget, stainless steel, 3 kW',
  unitPrice: '1499.00',
  currency: 'EUR',
  cost: '820.50',
  vendorAccountId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
  category: 'Hardware',
  unitOfMeasure: 'piece',
  isActive: true,
  isTaxable: true
}

export const productSchemas = resourceSchemas(
  'Product',
  'Something the business sells, quoted on opportunities and named in cases',
  {
    required: { name: Text(255, { examples: ['Widget Pro 3000'] }) },
    defaulted: {
      currency: Type.String({
        ...CurrencySchema,
        description: 'ISO 4217 code; default: the workspace currency'
      }),
      isActive: Type.Boolean({
        description: 'default true; an inactive product cannot be added to an opportunity'
      }),
      isTaxable: Type.Boolean({ description: 'default true' })
    },
    optional: {
      sku: Text(100, { description: 'unique in the workspace, ignoring case', examples: ['WP-3000'] }),
      description: Text(32000),
      unitPrice: MoneySchema,
      cost: Type.String({
        ...MoneySchema,
        description: 'what the product costs the business',
        examples: ['820.50']
      }),
      vendorAccountId: Type.String({
        ...UuidSchema,
        description: 'an account of type vendor; not together with vendorName'
      }),
      vendorName: Text(255, {
        description: 'a vendor that is not an account; not together with vendorAccountId',
        examples: ['Widgets & Co.']
      }),
      category: Text(100, { examples: ['Hardware'] }),
      unitOfMeasure: Text(50, { examples: ['piece'] })
    }
  },
  {
    record: {
      id: '6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f',
      ...example,
      vendorName: null,
      createdAt: '2026-12-03T10:20:30.123Z',
      updatedAt: '2026-12-03T10:20:30.123Z',
      version: 1
    },
    create: example,
    update: { unitPrice: '1399.00', isActive: false }
  }
)

export type Product = Static<typeof productSchemas.record>
export type CreateProductBody = Static<typeof productSchemas.create>
export type UpdateProductBody = Static<typeof productSchemas.update>
