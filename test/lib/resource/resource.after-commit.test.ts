import { and, eq } from 'drizzle-orm'
import t from 'tap'
import type { Tenant } from '../../../src/lib/records/tenant.js'
import { registerChildResourceRoutes } from '../../../src/lib/resource/child-resource.routes.js'
import { getRecord } from '../../../src/lib/resource/resource.queries.js'
import { createResource, deleteResource, updateResource } from '../../../src/lib/resource/resource.service.js'
import type { ResourceChange, ResourceDefinition } from '../../../src/lib/resource/resource.js'
import { opportunityResource } from '../../../src/modules/opportunities/opportunities.resource.js'
import { productResource } from '../../../src/modules/products/products.resource.js'
import { products } from '../../../src/modules/products/products.table.js'
import { buildTestApp } from '../../helper.js'
import { createWorkspace } from '../../fixtures/workspaces.js'

// The generic service's afterCommit hook, on a real resource (products) over
// the real database: the hook reads the row back through the pool, on
// another connection, so it sees a write only once that has committed.

type ProductRow = Parameters<typeof productResource.toDto>[0]

/** The status of the error a write failed with; 'resolved' when it did not fail. */
const statusOf = (write: Promise<unknown>) =>
  write.then(() => 'resolved', (err: { statusCode?: number }) => err.statusCode)

t.test('afterCommit', async (t) => {
  const app = await buildTestApp(t)
  const ws = await createWorkspace(app)
  const tenant: Tenant = { workspaceId: ws.workspaceId, userId: ws.userId, role: 'admin', principal: ws.userId }
  const seen: { kind: string, committed: unknown }[] = []
  const warnings: unknown[] = []
  const log = { warn: (obj: unknown) => { warnings.push(obj) } }
  const after = { deps: app.deps, log }
  const def: ResourceDefinition<ProductRow> = {
    ...productResource,
    async afterCommit (deps, hookTenant, change: ResourceChange<ProductRow>) {
      const row = await getRecord(deps.database.db, def, hookTenant.workspaceId, change.id)
      seen.push({ kind: change.kind, committed: row === undefined ? 'absent' : row.name })
    }
  }

  t.test('runs after each committed write, with what it changed', async (t) => {
    seen.length = 0
    const row = await createResource(app.deps.db, def, tenant, { name: 'Widget', sku: 'AC-1' }, after)
    const updated = await updateResource(app.deps.db, def, tenant, row.id, { name: 'Gadget' }, '"1"', after)
    t.equal(updated.version, 2)
    await deleteResource(app.deps.db, def, tenant, row.id, '"2"', after)
    t.same(seen, [
      { kind: 'create', committed: 'Widget' },
      { kind: 'update', committed: 'Gadget' },
      { kind: 'delete', committed: 'absent' }
    ], 'each hook saw its write committed')
  })

  t.test('does not run for a write that failed', async (t) => {
    seen.length = 0
    const row = await createResource(app.deps.db, def, tenant, { name: 'Widget', sku: 'AC-2' }, after)
    seen.length = 0
    t.equal(await statusOf(createResource(app.deps.db, def, tenant, { name: 'Twin', sku: 'AC-2' }, after)),
      409, 'a taken sku fails inside the transaction')
    t.equal(await statusOf(updateResource(app.deps.db, def, tenant, row.id, { name: 'Stale' }, '"9"', after)), 412)
    t.equal(await statusOf(deleteResource(app.deps.db, def, tenant, row.id, '"9"', after)), 412)
    t.same(seen, [], 'no hook ran')
    t.equal((await getRecord(app.deps.db, def, ws.workspaceId, row.id))?.name, 'Widget', 'nothing changed')
  })

  t.test('a failing hook is logged and the write stands', async (t) => {
    warnings.length = 0
    const failing: ResourceDefinition<ProductRow> = {
      ...productResource,
      afterCommit: async () => { throw new Error('redis is away') }
    }
    const row = await createResource(app.deps.db, failing, tenant, { name: 'Kept', sku: 'AC-3' }, after)
    t.equal((await getRecord(app.deps.db, failing, ws.workspaceId, row.id))?.name, 'Kept')
    t.match(warnings, [{ err: { message: 'redis is away' }, resource: 'product', id: row.id, change: 'create' }])
  })

  t.test('a write without the context to run its hook is refused before it starts', async (t) => {
    seen.length = 0
    await t.rejects(createResource(app.deps.db, def, tenant, { name: 'Orphan', sku: 'AC-4' }),
      /needs the app's deps/)
    const rows = await app.deps.db.select().from(products)
      .where(and(eq(products.workspaceId, ws.workspaceId), eq(products.sku, 'AC-4')))
    t.equal(rows.length, 0, 'nothing was written')
    t.same(seen, [])
  })

  t.test('child routes, whose writes are the module\'s, refuse a child with a hook', async (t) => {
    const operation = { summary: 's', description: 'd' }
    t.throws(() => registerChildResourceRoutes(app, {
      parent: opportunityResource,
      findParent: async () => undefined,
      child: def,
      segment: 'products',
      link: products.id,
      operations: { list: operation, create: operation, get: operation, update: operation, delete: operation },
      get: async () => undefined,
      create: async () => { throw new Error('not reached') },
      update: async () => { throw new Error('not reached') },
      delete: async () => undefined
    }), /does not run afterCommit/)
  })
})
