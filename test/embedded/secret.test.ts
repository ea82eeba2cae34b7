import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadOrCreateSecret } from '../../src/embedded/secret.js'

t.test('creates the secret once and reads it back', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'crm-secret-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  // A folder that does not exist yet, to cover the recursive mkdir.
  const dataDir = join(root, 'nested', 'data')

  const first = await loadOrCreateSecret(dataDir, 'jwt-secret')
  t.match(first, /^[A-Za-z0-9_-]{64}$/, '48 random bytes as base64url')
  t.equal(await loadOrCreateSecret(dataDir, 'jwt-secret'), first, 'same value on the next call')
  t.equal(await readFile(join(dataDir, 'jwt-secret'), 'utf8'), first, 'stored as is')
  t.equal((await stat(join(dataDir, 'jwt-secret'))).mode & 0o777, 0o600, 'file mode 0600')

  const other = await loadOrCreateSecret(dataDir, 'other-secret')
  t.not(other, first, 'each name has its own value')
})

t.test('concurrent first calls agree on one value', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-secret-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const values = await Promise.all(
    Array.from({ length: 8 }, () => loadOrCreateSecret(dataDir, 'shared'))
  )
  t.equal(new Set(values).size, 1)
})
