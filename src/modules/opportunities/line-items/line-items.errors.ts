import { defineError } from '../../../lib/errors.js'

export const ProductInactiveError = defineError('CRM_PRODUCT_INACTIVE', '%s', 422)
export const LineItemPriceRequiredError = defineError('CRM_LINE_ITEM_PRICE_REQUIRED', '%s', 422)
export const LineItemCurrencyMismatchError =
  defineError('CRM_LINE_ITEM_CURRENCY_MISMATCH', '%s', 422)
export const LineItemTotalTooLargeError = defineError('CRM_LINE_ITEM_TOTAL_TOO_LARGE', '%s', 422)
