import { defineError } from '../../lib/errors.js'

export const SkuTakenError = defineError(
  'CRM_PRODUCT_SKU_TAKEN',
  'another product already has the SKU %s',
  409
)
export const VendorAmbiguousError = defineError('CRM_PRODUCT_VENDOR_AMBIGUOUS', '%s', 422)
