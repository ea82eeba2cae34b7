import t from 'tap'
import { insertWorkspace } from '../../../src/modules/workspaces/workspaces.queries.js'
import { buildTestApp } from '../../helper.js'

// Workspace slugs are the name and a random suffix. Names repeat, so a
// suffix already taken must be drawn again, never answer a signup with a
// conflict. The clash is made on purpose with a suffix source of the test.

const app = await buildTestApp(t)

t.test('a slug already taken is drawn again', async (t) => {
  const name = `Acme ${Date.now()}`
  const values = { name, currency: 'EUR', timezone: 'UTC' }
  const taken = `taken${Math.random().toString(16).slice(2, 8)}`
  const first = await app.deps.db.transaction((tx) => insertWorkspace(tx, values, () => taken))
  t.match(first.slug, new RegExp(`^acme-\\d+-${taken}$`))

  const draws = [taken, taken, 'free01']
  const second = await app.deps.db.transaction((tx) => insertWorkspace(tx, values, () => draws.shift() as string))
  t.match(second.slug, /-free01$/, 'the third draw is free and is used')
  t.not(second.id, first.id)
  t.same(draws, [], 'every draw was tried')

  await t.rejects(
    app.deps.db.transaction((tx) => insertWorkspace(tx, values, () => taken)),
    /no free workspace slug/,
    'a suffix source that only clashes gives up'
  )
})

t.test('signups of one name get different slugs', async (t) => {
  const slugs = new Set<string>()
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: {
        workspaceName: 'Same Name', name: 'Admin', email: `same-${i}-${Date.now()}@example.com`,
        password: 'correct horse battery staple', currency: 'EUR'
      }
    })
    t.equal(res.statusCode, 201, res.body)
    slugs.add(res.json().workspace.slug)
  }
  t.equal(slugs.size, 20)
})
