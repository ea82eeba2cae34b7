import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createClient, createConfig } from '../../sdk/src/client/index.js'
import {
  createAccount,
  createContact,
  getContact,
  listContacts,
  signup
} from '../../sdk/src/index.js'
import { buildTestApp } from '../helper.js'

// The bundled fetch client casts to the DOM type BodyInit, which @types/node
// 20 does not declare globally and the main tsconfig has no DOM lib.
declare global {
  type BodyInit = NonNullable<RequestInit['body']>
}

/*
 * The generated SDK against the real app on a real port (Postgres and Redis
 * real too): every call goes through the generated functions and fetch, so
 * the spec, the generator and the routes are checked together.
 */

function must<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what}: no data`)
  return value
}

t.test('the SDK signs up, creates, pages and reports problems', async (t) => {
  const app = await buildTestApp(t)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = createClient(createConfig({ baseUrl }))

  const signedUp = await signup({
    client,
    body: {
      workspaceName: 'SDK workspace',
      name: 'SDK admin',
      email: `sdk-${randomUUID()}@example.com`,
      password: 'correct horse battery staple'
    }
  })
  t.equal(signedUp.response.status, 201, JSON.stringify(signedUp.error))
  const session = must(signedUp.data, 'signup')
  t.equal(session.tokenType, 'Bearer')
  client.setConfig({ auth: session.accessToken })

  const account = must((await createAccount({
    client,
    body: { name: 'Acme' }
  })).data, 'createAccount')
  t.equal(account.name, 'Acme')

  const first = await createContact({
    client,
    body: { firstName: 'Ada', lastName: 'Lovelace', accountId: account.id }
  })
  t.equal(first.response.status, 201, JSON.stringify(first.error))
  const ids = [must(first.data, 'createContact').id]
  t.equal(first.data?.accountId, account.id)

  for (let i = 0; i < 5; i++) {
    const { data } = await createContact({
      client,
      body: { firstName: `Contact ${i}`, lastName: 'Sdk' }
    })
    ids.push(must(data, 'createContact').id)
  }

  const seen: string[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const { data, error } = await listContacts({
      client,
      query: { limit: 2, ...(cursor === undefined ? {} : { cursor }) }
    })
    t.equal(error, undefined)
    const page = must(data, 'listContacts')
    t.ok(page.data.length <= 2)
    seen.push(...page.data.map((contact) => contact.id))
    cursor = page.nextCursor ?? undefined
    pages++
  } while (cursor !== undefined && pages < 10)
  t.equal(pages, 3)
  t.equal(new Set(seen).size, seen.length, 'no contact is seen twice')
  t.same([...seen].sort(), [...ids].sort(), 'every contact is seen')

  const missing = randomUUID()
  const { data, error, response } = await getContact({
    client,
    path: { contactId: missing }
  })
  t.equal(data, undefined)
  t.equal(response.status, 404)
  t.match(response.headers.get('content-type'), /^application\/problem\+json/)
  t.ok(error, 'the problem comes back as the error')
  if (error === undefined) return
  t.equal(error.code, 'CRM_CONTACT_NOT_FOUND')
  t.equal(error.status, 404)
  t.match(error.type, /contact-not-found$/)
  t.type(error.title, 'string')
  t.equal(error.instance, `/v1/contacts/${missing}`)
  t.equal(error.requestId, response.headers.get('x-request-id'))
})
