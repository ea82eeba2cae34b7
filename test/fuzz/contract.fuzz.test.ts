import { randomUUID } from 'node:crypto'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import fc from 'fast-check'
import t from 'tap'
import { walkList } from '../fixtures/lists.js'
import { createWorkspace, type TestWorkspace } from '../fixtures/workspaces.js'
import { buildTestApp } from '../helper.js'
import {
  type Components, hostileStrings, hostileValues, invalidObject, resolve, type Schema, valid
} from './arbitraries.js'

/**
 * A schema-driven fuzz of the whole contract, read from the OpenAPI document
 * the app serves. For every operation, valid and hostile requests are sent
 * through the real app and database. Whatever the input:
 * - no answer is a 5xx;
 * - every 4xx is problem+json with the documented fields;
 * - every 2xx body matches the documented response schema;
 * - a record of another workspace is never found;
 * - a refused create leaves the collection unchanged.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 12)
// Fixed by default so that CI is reproducible; set FUZZ_SEED to explore.
const SEED = Number(process.env.FUZZ_SEED ?? 20261203)
let properties = 0
const RUN_TAG = randomUUID().slice(0, 8)
const settings = (numRuns: number) => ({ numRuns, seed: SEED + properties++ })
const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId']

interface Operation {
  method: string
  path: string
  op: Schema
}

function stripIds (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripIds)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => k !== '$id').map(([k, v]) => [k, stripIds(v)])
  )
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')

t.test('the whole contract holds under valid and hostile input', async (t) => {
  const app = await buildTestApp(t)
  const doc = app.swagger() as unknown as Schema
  const components = doc.components as Components
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(stripIds(doc) as object, 'doc')

  const a = await createWorkspace(app, 'Fuzz A')
  const b = await createWorkspace(app, 'Fuzz B')
  const operations: Operation[] = []
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) operations.push({ method, path, op })
  }
  // Deletes last: they empty the id pools that the other operations probe with.
  operations.sort((x, y) => Number(x.method === 'delete') - Number(y.method === 'delete'))
  const ids = await seedRecords(app, operations, components, a, b)

  for (const { method, path, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`
    const collection = path.split('/')[2] ?? ''
    const params: Schema[] = op.parameters ?? []
    const bodySchema: Schema | undefined = op.requestBody?.content?.['application/json']?.schema
    const pathParams = params.filter((p) => p.in === 'path')
    const queryParams = params.filter((p) => p.in === 'query')
    const own = ids.own.get(collection) ?? []
    const foreign = ids.foreign.get(collection) ?? []
    // Each path parameter draws from the records it names: a line item id
    // from the seeded line items, its opportunity id from the opportunities.
    const pools = pathParams.map((p) =>
      (p.name === 'campaignId' && SENDING.test(path) ? ids.sendable : ids.params.get(p.name)) ?? { own, foreign })
    const validIds = fc.tuple(...pools.map((pool) =>
      fc.constantFrom(...pool.own, ...pool.foreign, randomUUID())
    ))
    const ownIds = fc.tuple(...pools.map((pool) => fc.constantFrom(...pool.own, randomUUID())))
    const isForeign = (idValues: string[]) =>
      idValues.some((id, i) => pools[i]?.foreign.includes(id) === true)
    const idArrayLength = { minLength: pathParams.length, maxLength: pathParams.length }
    const validQuery = fc.record(
      // A made-up cursor is never valid; real ones are walked by the resource tests.
      Object.fromEntries(
        queryParams
          .filter((p) => p.name !== 'cursor')
          .map((p) => [p.name, valid(p.schema, components)])
      ),
      { requiredKeys: [] }
    )
    const validBody = bodySchema === undefined
      ? fc.constant(undefined)
      : valid(bodySchema, components)
        // As in query strings, a made-up cursor is never valid (search bodies carry one).
        .map((body) => withoutCursor(body))
        .chain((body) => withReferences(body, ids))
    const successes = { count: 0 }

    const check = async (
      request: { url: string, body: unknown, foreignId: boolean },
      expectRefusal: boolean
    ) => {
      const res = await a.request({
        method: method.toUpperCase() as 'GET',
        url: request.url,
        ...(request.body === undefined ? {} : {
          payload: JSON.stringify(request.body),
          headers: { 'content-type': 'application/json' }
        })
      })
      const sent = JSON.stringify(request.body)?.slice(0, 200)
      const label =
        `${where} ${request.url} ${sent} → ${res.statusCode} ${res.body.slice(0, 300)}`
      if (res.statusCode >= 500) throw new Error(`5xx: ${label}`)
      if (process.env.FUZZ_DEBUG !== undefined && where.includes(process.env.FUZZ_DEBUG)) {
        process.stderr.write(`${label}\n`)
      }
      if (res.statusCode >= 400) {
        const contentType = String(res.headers['content-type'])
        if (!contentType.startsWith('application/problem+json')) {
          throw new Error(`not problem+json: ${label}`)
        }
        const problem = res.json()
        for (const f of PROBLEM_FIELDS) {
          if (!(f in problem)) throw new Error(`problem lacks ${f}: ${label}`)
        }
        if (problem.status !== res.statusCode) throw new Error(`problem status differs: ${label}`)
        return res.statusCode
      }
      if (expectRefusal) throw new Error(`accepted a hostile request: ${label}`)
      successes.count++
      if (request.foreignId && pathParams.length > 0 && path.startsWith('/v1/')) {
        throw new Error(`reached another workspace's record: ${label}`)
      }
      const documented = op.responses?.[String(res.statusCode)]
      if (documented === undefined) throw new Error(`undocumented status: ${label}`)
      const schema = documented.content?.['application/json']?.schema
      if (schema !== undefined) {
        const schemaPointer = pointer(
          'paths', path, method, 'responses', String(res.statusCode),
          'content', 'application/json', 'schema'
        )
        const validate = ajv.getSchema(`doc#/${schemaPointer}`)
        if (validate === undefined) throw new Error(`no schema compiled: ${label}`)
        if (!validate(res.json())) {
          const errors = JSON.stringify(validate.errors?.slice(0, 3))
          throw new Error(`response breaks its schema ${errors}: ${label}`)
        }
      }
      return res.statusCode
    }

    const urlFor = (idValues: string[], query: Record<string, unknown>) => {
      let url = path
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodeSegment(idValues[i] ?? ''))
      })
      const pairs = Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])
      const qs = new URLSearchParams(pairs).toString()
      return qs === '' ? url : `${url}?${qs}`
    }

    // Deleting would empty the id pools the other operations probe with.
    const started = Date.now()
    const runs = method === 'delete' || path === '/v1/signup'
      ? Math.ceil(RUNS / 3)
      : method === 'post' || method === 'patch' ? RUNS * 2 : RUNS
    await fc.assert(
      fc.asyncProperty(
        validIds, validQuery, validBody,
        async (idValues, query, body) => {
          const foreignId = isForeign(idValues)
          await check({ url: urlFor(idValues, query), body, foreignId }, false)
        }
      ),
      settings(runs)
    )
    // The fuzz must reach the success path too, or it proves nothing about it.
    if (method !== 'delete' && !where.includes('/auth/token') && NO_BLIND_SUCCESS[where] === undefined) {
      t.ok(
        successes.count > 0,
        `${where}: valid input succeeded ${successes.count} times (${Date.now() - started} ms)`
      )
    } else {
      t.pass(`${where}: valid input (${Date.now() - started} ms)`)
    }

    // An empty id would name the collection itself (a trailing slash is ignored).
    const hostileId = fc.oneof(hostileStrings, fc.string({ maxLength: 40 })).filter((s) => s !== '')
    const hostileQuery = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...queryParams.map((p) => p.name), 'unknownParam'),
        fc.string({ minLength: 1, maxLength: 10 })
      ),
      hostileValues.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      { maxKeys: 3 }
    )
    if (pathParams.length > 0) {
      await fc.assert(
        fc.asyncProperty(fc.array(hostileId, idArrayLength), validBody, async (idValues, body) => {
          await check(
            { url: urlFor(idValues, {}), body, foreignId: false },
            path.startsWith('/v1/')
          )
        }),
        settings(RUNS)
      )
    }
    await fc.assert(
      fc.asyncProperty(
        validIds, hostileQuery, validBody,
        async (idValues, query, body) => {
          const foreignId = isForeign(idValues)
          await check({ url: urlFor(idValues, query), body, foreignId }, false)
        }
      ),
      settings(RUNS)
    )
    if (bodySchema !== undefined && resolve(bodySchema, components).type === 'object') {
      const isCreate = method === 'post' && pathParams.length === 0 &&
        path.startsWith('/v1/') && ids.own.has(collection)
      await fc.assert(
        fc.asyncProperty(
          ownIds,
          invalidObject(bodySchema, components),
          async (idValues, body) => {
            const before = isCreate ? await count(a, collection) : 0
            await check({ url: urlFor(idValues, {}), body, foreignId: false }, true)
            if (isCreate && await count(a, collection) !== before) {
              throw new Error(`a refused create changed ${collection}`)
            }
          }
        ),
        settings(RUNS)
      )
    }
    t.pass(`${where}: hostile input (${Date.now() - started} ms)`)
  }
})

/**
 * The send routes draw their campaign from campaigns kept for them (email
 * campaigns with a message and a member), which no other operation edits.
 */
const SENDING = /^\/v1\/campaigns\/\{campaignId\}\/(send|test-send)/

/**
 * Operations that no input drawn from the contract alone can make succeed,
 * and where their success path is tested instead. The fuzz still checks
 * every answer they give (no 5xx, problem+json, documented statuses).
 */
const NO_BLIND_SUCCESS: Record<string, string> = {
  // A token is signed by the server; one made up never verifies (that is the point).
  'GET /v1/tracking/open/{token}': 'test/modules/tracking',
  'GET /v1/tracking/click/{token}': 'test/modules/tracking',
  'GET /v1/unsubscribe/{token}': 'test/modules/tracking',
  'POST /v1/unsubscribe/{token}': 'test/modules/tracking',
  // A multipart upload: the fuzz sends JSON bodies only.
  'POST /v1/imports': 'test/modules/imports'
}

const REFERENCE_COLLECTIONS: Record<string, string> = {
  accountId: 'accounts',
  parentAccountId: 'accounts',
  vendorAccountId: 'accounts',
  contactId: 'contacts',
  campaignId: 'campaigns',
  parentCampaignId: 'campaigns',
  leadId: 'leads',
  productId: 'products',
  // A test send may render for a member: the one seeded with the sendable campaign.
  memberId: 'campaign-members',
  ownerId: 'users'
}

/**
 * Links in a generated body point at records that exist in the caller's
 * workspace, in the other workspace (which must fail like an unknown id), or
 * nowhere; otherwise almost every write would be refused for its links.
 */
function withReferences (
  body: unknown,
  ids: { own: Map<string, string[]>, foreign: Map<string, string[]> }
) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fc.constant(body)
  const entries = Object.entries(body as Record<string, unknown>)
  const choices = entries.map(([k, v]) => {
    const collection = REFERENCE_COLLECTIONS[k]
    if (collection === undefined || typeof v !== 'string') return fc.constant([k, v] as const)
    const own = ids.own.get(collection) ?? []
    const foreign = ids.foreign.get(collection) ?? []
    return fc.oneof(
      { weight: 12, arbitrary: own.length > 0 ? fc.constantFrom(...own) : fc.constant(undefined) },
      { weight: 1, arbitrary: foreign.length > 0 ? fc.constantFrom(...foreign) : fc.constant(v) },
      { weight: 1, arbitrary: fc.constant(v) },
      { weight: 3, arbitrary: fc.constant(undefined) }
    ).map((id) => [k, id] as const)
  })
  return fc.tuple(...choices).map((pairs) => {
    const out: Record<string, unknown> =
      Object.fromEntries(pairs.filter(([, v]) => v !== undefined))
    // Seeds repeat across runs on one database; emails of users are unique system-wide.
    if (typeof out.email === 'string' && out.email.length < 240) {
      out.email = `${RUN_TAG}.${out.email}`
    }
    return out
  })
}

function withoutCursor (body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const { cursor: _cursor, ...rest } = body as Record<string, unknown>
  return rest
}

/** Percent-encodes; a lone surrogate becomes its (invalid) UTF-8 bytes, itself a hostile input. */
function encodeSegment (value: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    return '%ED%A0%80'
  }
}

/** How many records a collection holds, over every page. */
async function count (ws: TestWorkspace, collection: string): Promise<number> {
  return (await walkList(ws, `/v1/${collection}`, 200)).items.length
}

/** A few records of every collection in both workspaces, from valid bodies. */
async function seedRecords (
  app: FastifyInstance,
  operations: Operation[],
  components: Components,
  a: TestWorkspace,
  b: TestWorkspace
) {
  const own = new Map<string, string[]>()
  const foreign = new Map<string, string[]>()
  const creates = operations.filter((o) =>
    o.method === 'post' &&
    /^\/v1\/[a-z-]+$/.test(o.path) &&
    o.path !== '/v1/signup' &&
    !o.path.startsWith('/v1/auth') &&
    o.op.requestBody?.content?.['application/json'] !== undefined
  )
  for (let round = 0; round < 3; round++) {
    for (const { path, op } of creates) {
      const collection = path.split('/')[2] as string
      const schema = op.requestBody.content['application/json'].schema
      const required = new Set<string>(resolve(schema, components).required ?? [])
      const samples = fc.sample(
        valid(schema, components),
        { numRuns: 8, seed: SEED + round }
      ) as Record<string, unknown>[]
      for (const [ws, pool] of [[a, own], [b, foreign]] as const) {
        for (const sample of samples) {
          const body = { ...sample }
          if (typeof body.email === 'string') body.email = `${RUN_TAG}.${body.email}`.slice(0, 254)
          // Seeds are what other records link to: an inactive product or user cannot be.
          if (body.isActive === false) body.isActive = true
          // Required links point at a record of the same workspace; optional ones go.
          for (const k of Object.keys(body)) {
            if (!k.endsWith('Id')) continue
            const linked = pool.get(REFERENCE_COLLECTIONS[k] ?? '')
            if (required.has(k) && linked !== undefined) body[k] = linked[0]
            else delete body[k]
          }
          const res = await ws.request({ method: 'POST', url: path, payload: body })
          if (res.statusCode !== 201) continue
          const json = res.json()
          const id = json.id ?? json.apiKey?.id
          if (typeof id === 'string') pool.set(collection, [...(pool.get(collection) ?? []), id])
          break
        }
      }
    }
  }
  const sendable: Pool = { own: [], foreign: [] }
  sendable.own.push(await seedWorkerRecords(a, own))
  sendable.foreign.push(await seedWorkerRecords(b, foreign))
  const params = await seedChildren(operations, components, a, b, own, foreign)
  void app
  return { own, foreign, params, sendable }
}

interface Pool { own: string[], foreign: string[] }

/**
 * The id pools of every path parameter: `{accountId}` names accounts, and a
 * nested item parameter (`/v1/opportunities/{opportunityId}/line-items/{lineItemId}`)
 * names children created here under the first record of their parent, in both
 * workspaces, from valid bodies.
 */
async function seedChildren (
  operations: Operation[],
  components: Components,
  a: TestWorkspace,
  b: TestWorkspace,
  own: Map<string, string[]>,
  foreign: Map<string, string[]>
): Promise<Map<string, Pool>> {
  const params = new Map<string, Pool>()
  const itemParam = new Map<string, string>()
  for (const { path } of operations) {
    const top = /^\/v1\/([a-z-]+)\/\{(\w+)\}$/.exec(path)
    if (top !== null) {
      const [, collection = '', param = ''] = top
      params.set(param, { own: own.get(collection) ?? [], foreign: foreign.get(collection) ?? [] })
    }
    const nested = /^(\/v1\/[a-z-]+\/\{\w+\}\/[a-z-]+)\/\{(\w+)\}$/.exec(path)
    if (nested !== null) itemParam.set(nested[1] as string, nested[2] as string)
  }
  const creates = operations.filter((o) => o.method === 'post' && itemParam.has(o.path))
  for (let round = 0; round < 2; round++) {
    for (const { path, op } of creates) {
      const parentParam = /\{(\w+)\}/.exec(path)?.[1] ?? ''
      const childParam = itemParam.get(path) as string
      const parents = params.get(parentParam)
      if (parents === undefined) continue
      const pool = params.get(childParam) ?? { own: [], foreign: [] }
      params.set(childParam, pool)
      const schema = op.requestBody?.content?.['application/json']?.schema
      const samples = schema === undefined
        ? [{}]
        : fc.sample(valid(schema, components), { numRuns: 8, seed: SEED + round }) as Record<string, unknown>[]
      for (const [ws, parentIds, links, out] of [
        [a, parents.own, own, pool.own],
        [b, parents.foreign, foreign, pool.foreign]
      ] as const) {
        const parentId = parentIds[0]
        if (parentId === undefined) continue
        for (const sample of samples) {
          const body = { ...sample }
          for (const k of Object.keys(body)) {
            if (!k.endsWith('Id')) continue
            const linked = links.get(REFERENCE_COLLECTIONS[k] ?? '')
            if (linked !== undefined && linked.length > 0) body[k] = linked[round % linked.length]
            else delete body[k]
          }
          const res = await ws.request({ method: 'POST', url: path.replace(`{${parentParam}}`, parentId),
            payload: body })
          if (process.env.FUZZ_DEBUG !== undefined && path.includes(process.env.FUZZ_DEBUG)) {
            process.stderr.write(`seed ${path} ${JSON.stringify(body)} → ${res.statusCode} ${res.body.slice(0, 200)}\n`)
          }
          if (res.statusCode !== 201) continue
          const id = res.json().id
          if (typeof id === 'string') out.push(id)
          break
        }
      }
    }
  }
  return params
}

/**
 * Records the generic seeding cannot make from a JSON body: an import (a
 * multipart upload) and a job (a rescore); answers an email campaign that
 * can be sent, with one member, for the send, pause and resume routes.
 */
async function seedWorkerRecords (ws: TestWorkspace, pool: Map<string, string[]>): Promise<string> {
  const add = (collection: string, id: unknown) => {
    if (typeof id === 'string') pool.set(collection, [...(pool.get(collection) ?? []), id])
  }
  const boundary = `fuzz${RUN_TAG}`
  const csv = 'firstName,lastName,email\nAda,Lovelace,ada@example.com\n,NoFirst,not-an-email\n'
  const upload = await ws.request({
    method: 'POST',
    url: '/v1/imports',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: [
      `--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\ncontacts\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\ncreate\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="contacts.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\n${csv}\r\n`,
      `--${boundary}--\r\n`
    ].join('')
  })
  if (upload.statusCode !== 202) throw new Error(`seeding an import failed: ${upload.statusCode} ${upload.body}`)
  add('imports', upload.json().id)
  const rescore = await ws.request({ method: 'POST', url: '/v1/leads/rescore' })
  if (rescore.statusCode !== 202) throw new Error(`seeding a job failed: ${rescore.statusCode} ${rescore.body}`)
  add('jobs', rescore.json().id)
  const campaign = await ws.request({
    method: 'POST',
    url: '/v1/campaigns',
    payload: {
      name: 'Fuzz newsletter', type: 'email', currency: 'EUR', subject: 'Hello {{firstName}}',
      fromEmail: 'news@fuzz.example', htmlBody: '<p>Hi {{firstName}}</p>', textBody: 'Hi {{firstName}}'
    }
  })
  if (campaign.statusCode !== 201) throw new Error(`seeding a campaign failed: ${campaign.statusCode} ${campaign.body}`)
  const lead = await ws.request({
    method: 'POST', url: '/v1/leads', payload: { lastName: 'Reader', email: `${RUN_TAG}.reader@fuzz.example` }
  })
  const member = await ws.request({
    method: 'POST', url: `/v1/campaigns/${campaign.json().id}/members`, payload: { leadId: lead.json().id }
  })
  if (member.statusCode !== 201) throw new Error(`seeding a member failed: ${member.statusCode} ${member.body}`)
  add('campaign-members', member.json().id)
  return campaign.json().id as string
}
