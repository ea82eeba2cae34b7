import { randomUUID } from 'node:crypto'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { assertProblem } from '../../fixtures/problems.js'
import { createUser, createWorkspace } from '../../fixtures/workspaces.js'
import { buildTestApp } from '../../helper.js'

// What the three reports share: who may read them, how bad parameters are
// refused and how they are documented. Their numbers are checked in the
// per-report files.

const app = await buildTestApp(t)

const REPORTS = {
  pipeline: { operationId: 'getPipelineReport', schema: 'PipelineReport' },
  leads: { operationId: 'getLeadsReport', schema: 'LeadsReport' },
  cases: { operationId: 'getCasesReport', schema: 'CasesReport' }
}
const ROLES = ['admin', 'manager', 'sales', 'marketing', 'support', 'readonly']

t.test('every role reads every report; a caller without credentials gets 401', async (t) => {
  const ws = await createWorkspace(app)
  const users = await Promise.all(ROLES.filter((r) => r !== 'admin').map((r) => createUser(app, ws, r)))
  for (const name of Object.keys(REPORTS)) {
    const url = `/v1/reports/${name}`
    for (const caller of [ws, ...users]) {
      const res = await caller.request({ method: 'GET', url })
      t.equal(res.statusCode, 200, `${url}: ${res.body}`)
      t.match(res.headers['content-type'], /^application\/json/)
    }
    assertProblem(t, await app.inject({ method: 'GET', url }), 401, 'CRM_UNAUTHORIZED')
    const headers = { authorization: 'Bearer nonsense' }
    const forged = await app.inject({ method: 'GET', url, headers })
    assertProblem(t, forged, 401, 'CRM_UNAUTHORIZED')
  }
})

t.test('refuses bad query parameters with 400, naming the parameter', async (t) => {
  const ws = await createWorkspace(app)
  const id = randomUUID()
  const tooMany = Array.from({ length: 51 }, () => randomUUID()).join(',')
  const bad: [string, string][] = [
    ['pipeline?unknown=1', 'unknown'],
    ['pipeline?currency=eur', 'currency'],
    ['pipeline?currency=EURO', 'currency'],
    ['pipeline?ownerId=not-a-uuid', 'ownerId'],
    [`pipeline?ownerId=${id},`, 'ownerId'],
    [`pipeline?ownerId=${tooMany}`, 'ownerId'],
    ['pipeline?ownerId=', 'ownerId'],
    ['pipeline?closeDateFrom=2027-13-01', 'closeDateFrom'],
    ['pipeline?closeDateTo=2027-02-30', 'closeDateTo'],
    ['pipeline?closeDateFrom=0000-01-01', 'closeDateFrom'],
    ['pipeline?closeDateTo=2027-01-01T00:00:00Z', 'closeDateTo'],
    ['pipeline?includeClosed=maybe', 'includeClosed'],
    ['pipeline?stage=proposal', 'stage'],
    ['leads?createdAtFrom=yesterday', 'createdAtFrom'],
    ['leads?createdAtTo=2026-01-01', 'createdAtTo'],
    ['leads?createdAtFrom=0000-01-01T00:00:00Z', 'createdAtFrom'],
    ['leads?source=web,unknown', 'source'],
    ['leads?source=WEB', 'source'],
    ['leads?campaignId=42', 'campaignId'],
    ['leads?status=open', 'status'],
    ['cases?accountId=x', 'accountId'],
    ['cases?ownerId=1,2', 'ownerId'],
    ['cases?createdAtTo=2026-01-01T25:00:00Z', 'createdAtTo'],
    ['cases?priority=high', 'priority']
  ]
  for (const [query, parameter] of bad) {
    const res = await ws.request({ method: 'GET', url: `/v1/reports/${query}` })
    const body = assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
    t.same(body.errors?.map((e: { pointer: string }) => e.pointer), [parameter], query)
  }
})

interface Operation {
  operationId?: string
  tags?: string[]
  security?: unknown
  description?: string
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>
  parameters?: { in: string, name: string, required?: boolean }[]
}

t.test('documents each report with its component schema and a valid example', async (t) => {
  const doc = app.swagger() as unknown as {
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, Record<string, unknown>> }
  }
  const ajv = new Ajv({ strict: false })
  addFormats.default(ajv)
  for (const [name, { operationId, schema }] of Object.entries(REPORTS)) {
    const op = doc.paths[`/v1/reports/${name}`]?.get
    t.equal(op?.operationId, operationId)
    t.same(op?.tags, ['Reports'])
    t.same(op?.security, [{ bearerAuth: [] }])
    t.ok((op?.description?.length ?? 0) > 200, `${operationId} states its rules`)
    t.same(Object.keys(op?.responses ?? {}).sort(), ['200', '400', '401', '403', '500'])
    const answer = op?.responses?.['200']?.content?.['application/json']?.schema
    t.same(answer, { $ref: `#/components/schemas/${schema}` })
    for (const parameter of op?.parameters ?? []) {
      t.equal(parameter.in, 'query')
      t.equal(parameter.required ?? false, false, `${operationId} ${parameter.name} is optional`)
    }

    const component = doc.components.schemas[schema]
    t.ok(component, `${schema} is a component`)
    const { $id: _id, ...plain } = component as Record<string, unknown>
    const validate = ajv.compile(plain)
    const examples = (component?.examples ?? []) as unknown[]
    t.ok(examples.length > 0, `${schema} has an example`)
    for (const example of examples) {
      t.ok(validate(example), `${schema} example: ${JSON.stringify(validate.errors)}`)
    }
  }
})
