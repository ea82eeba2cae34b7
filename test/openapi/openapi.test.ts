import { readFile } from 'node:fs/promises'
import t from 'tap'
import { openapiDocument } from '../../scripts/openapi-document.js'

/**
 * The committed contract is what the code produces, and every operation in
 * it is complete enough for an SDK generator and a reader of /docs.
 */
t.test('openapi/openapi.json is what the code produces', async (t) => {
  const committed = await readFile('openapi/openapi.json', 'utf8')
  const produced = await openapiDocument()
  t.ok(committed === produced, 'openapi/openapi.json is stale: run `npm run openapi` and commit it')
})

t.test('every operation is documented completely', async (t) => {
  const doc = JSON.parse(await openapiDocument())
  t.equal(doc.openapi, '3.1.0')
  const ids = new Set<string>()
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const where = `${method.toUpperCase()} ${path}`
      t.match(op.operationId, /^[a-z]+[A-Za-z]+$/, `${where} has a verbNoun operationId`)
      t.notOk(ids.has(op.operationId), `${where} operationId is unique`)
      ids.add(op.operationId)
      t.equal(op.tags?.length, 1, `${where} has one tag`)
      t.type(op.summary, 'string', `${where} has a summary`)
      t.ok(Array.isArray(op.security), `${where} states its security`)
      const statuses = Object.keys(op.responses ?? {})
      // A click-tracking link succeeds by redirecting (302).
      t.ok(statuses.some((s) => s.startsWith('2') || s.startsWith('3')), `${where} documents its success`)
      if (path.startsWith('/v1/')) {
        t.ok(statuses.includes('500'), `${where} documents 500`)
        for (const s of statuses.filter((s) => Number(s) >= 400)) {
          const content = op.responses[s].content
          t.ok(content?.['application/problem+json'], `${where} ${s} is problem+json`)
        }
        if (op.security.length > 0) t.ok(statuses.includes('401'), `${where} documents 401`)
      }
      const media = op.requestBody?.content?.['application/json']
      if (media !== undefined) {
        const hasExample = media.example !== undefined || media.examples !== undefined
        t.ok(hasExample, `${where} body has an example`)
      }
    }
  }
  t.ok(doc.components.securitySchemes.bearerAuth, 'bearer scheme for Swagger UI')
  for (const [name, schema] of Object.entries<Record<string, unknown>>(doc.components.schemas)) {
    const hasExample = schema.examples !== undefined || schema.example !== undefined
    t.ok(hasExample, `component ${name} has an example`)
  }
  for (const name of [
    'Problem', 'Account', 'Contact', 'Lead', 'Opportunity', 'Product', 'Case', 'Campaign'
  ]) {
    t.ok(doc.components.schemas[name], `component ${name}`)
  }
})
