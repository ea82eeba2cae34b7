import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { buildTestApp, type Response } from '../../helper.js'
import { createContact } from '../../fixtures/contacts.js'
import { createOpportunity } from '../../fixtures/opportunities.js'
import { createPricedProduct } from '../../fixtures/products.js'
import { createWorkspace } from '../../fixtures/workspaces.js'

// The contract fuzz cannot reach these routes' success paths: it draws every
// path id from the opportunities (so a line item or role id is never one)
// and deletes its opportunities before it gets here. This walks each
// operation once through its success path and checks the answer against
// the schema the served OpenAPI document gives it.

type Schema = Record<string, unknown>

function stripIds (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripIds)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => k !== '$id').map(([k, v]) => [k, stripIds(v)])
  )
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')

t.test('line items and contact roles answer what the contract documents', async (t) => {
  const app = await buildTestApp(t)
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Schema>>, components: Schema }
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(stripIds(doc) as object, 'doc')

  const check = (method: string, path: string, res: Response) => {
    const op = doc.paths[path]?.[method] as { responses: Record<string, Schema>, operationId: string }
    t.ok(op, `${method} ${path} is documented`)
    const status = String(res.statusCode)
    t.ok(op.responses[status], `${op.operationId} documents ${status}`)
    if (res.statusCode === 204) return t.equal(res.body, '')
    const at = pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')
    const validate = ajv.getSchema(`doc#/${at}`)
    if (validate === undefined) return t.fail(`no schema for ${op.operationId}`)
    t.ok(validate(res.json()), `${op.operationId} ${status}: ${JSON.stringify(validate.errors)}`)
  }

  for (const id of ['OpportunityLineItem', 'OpportunityContactRole']) {
    const schema = (doc.components.schemas as Record<string, Schema>)[id]
    t.ok(schema, `${id} is a component`)
    const examples = (schema?.examples ?? []) as unknown[]
    t.ok(examples.length > 0, `${id} has an example`)
    const validate = ajv.getSchema(`doc#/${pointer('components', 'schemas', id)}`)
    t.ok(validate?.(examples[0]), `${id}: its example is valid`)
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/opportunities/{opportunityId}/line-items') &&
      !path.startsWith('/v1/opportunities/{opportunityId}/contacts')) continue
    for (const [method, op] of Object.entries(item)) {
      t.match(op, {
        tags: ['Opportunities'], operationId: String, summary: String, description: String,
        security: [{ bearerAuth: [] }]
      }, `${method} ${path}`)
    }
  }

  const ws = await createWorkspace(app)
  const opportunity = await createOpportunity(ws)
  const product = await createPricedProduct(ws, '10')
  const contact = await createContact(ws)
  const items = '/v1/opportunities/{opportunityId}/line-items'
  const item = `${items}/{lineItemId}`
  const base = `/v1/opportunities/${opportunity.id}/line-items`
  let res = await ws.request({ method: 'POST', url: base, payload: { productId: product.id } })
  check('post', items, res)
  const itemUrl = `${base}/${res.json().id}`
  check('get', items, await ws.request({ method: 'GET', url: base }))
  check('get', item, await ws.request({ method: 'GET', url: itemUrl }))
  check('patch', item, await ws.request({ method: 'PATCH', url: itemUrl, payload: { description: null } }))
  check('delete', item, await ws.request({ method: 'DELETE', url: itemUrl }))

  const roles = '/v1/opportunities/{opportunityId}/contacts'
  const role = `${roles}/{contactRoleId}`
  const rolesBase = `/v1/opportunities/${opportunity.id}/contacts`
  res = await ws.request({ method: 'POST', url: rolesBase, payload: { contactId: contact.id, role: 'user' } })
  check('post', roles, res)
  const roleUrl = `${rolesBase}/${res.json().id}`
  check('get', roles, await ws.request({ method: 'GET', url: rolesBase }))
  check('get', role, await ws.request({ method: 'GET', url: roleUrl }))
  check('patch', role, await ws.request({ method: 'PATCH', url: roleUrl, payload: { isPrimary: true } }))
  check('delete', role, await ws.request({ method: 'DELETE', url: roleUrl }))
})
