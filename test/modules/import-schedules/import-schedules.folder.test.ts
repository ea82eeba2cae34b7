import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import {
  copyToStore,
  FolderFileError,
  fileIdentity,
  listMatchingFiles
} from '../../../src/modules/import-schedules/import-schedules.folder.js'
import { matchesPattern, patternRefusal } from '../../../src/modules/import-schedules/import-schedules.pattern.js'

// Real files in a temporary folder: patterns, listing, links and copies.

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The pattern as a regular expression: the obvious, slow reference. */
const reference = (pattern: string) => new RegExp(`^${[...pattern].map((c) =>
  c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('')}$`, 's')

t.test('patterns match whole names like the glob they read as', async (t) => {
  const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join(''))
  fc.assert(fc.property(text(['a', 'b', '*', '?', '.', '-']), text(['a', 'b', '.', '-', '*']), (pattern, name) =>
    matchesPattern(pattern, name) === reference(pattern).test(name)
  ), { numRuns: 5000 })
  t.ok(matchesPattern('contacts-*.csv', 'contacts-2026-12-03.csv'))
  t.notOk(matchesPattern('contacts-*.csv', 'contacts-2026-12-03.csv.tmp'))
  t.notOk(matchesPattern('contacts-*.csv', 'Contacts-1.csv'), 'case-sensitive')
  t.ok(matchesPattern('??.ndjson', 'ab.ndjson'))
  t.ok(matchesPattern('ü*', 'über.csv'), 'characters, not bytes')
  const started = Date.now()
  t.notOk(matchesPattern(`${'a*'.repeat(60)}b`, 'a'.repeat(255)))
  t.ok(Date.now() - started < 200, 'many stars do not backtrack exponentially')
})

t.test('patterns name files, never paths', async (t) => {
  t.equal(patternRefusal('contacts-*.csv'), undefined)
  t.equal(patternRefusal('*'), undefined)
  t.match(patternRefusal('../x'), /path separators/)
  t.match(patternRefusal('a/b'), /path separators/)
  t.match(patternRefusal('a\\b'), /path separators/)
  t.match(patternRefusal('..'), /\.\./)
  t.match(patternRefusal('x..y'), /\.\./)
  t.match(patternRefusal('.env'), /dot/)
  t.match(patternRefusal('a\u0000b'), /control/)
  t.match(patternRefusal(''), /1 to 255/)
  t.match(patternRefusal('x'.repeat(256)), /1 to 255/)
})

t.test('the folder', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'crm-folder-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const folder = path.join(root, 'ws')
  const store = path.join(root, 'store')
  const outside = path.join(root, 'outside')
  await mkdir(path.join(folder, 'sub'), { recursive: true })
  await mkdir(outside)
  const write = async (name: string, text: string, ageSeconds: number) => {
    const file = path.join(folder, name)
    await writeFile(file, text)
    const when = new Date(Date.now() - ageSeconds * 1000)
    await utimes(file, when, when)
  }
  await write('b-new.csv', 'new\n', 10)
  await write('a-old.csv', 'old\n', 100)
  await write('c-mid.csv', 'mid\n', 50)
  await write('.d-hidden.csv', 'hidden\n', 200)
  await write('e.txt', 'other\n', 200)
  await mkdir(path.join(folder, 'f-dir.csv'))
  await writeFile(path.join(folder, 'sub', 'inner.csv'), 'inner\n')
  await writeFile(path.join(outside, 'secret.csv'), 'secret\n')
  await symlink(path.join(outside, 'secret.csv'), path.join(folder, 'g-out.csv'))
  await symlink('sub/inner.csv', path.join(folder, 'h-in.csv'))
  await symlink('sub', path.join(folder, 'i-dirlink.csv'))
  await symlink('nowhere.csv', path.join(folder, 'j-broken.csv'))
  await symlink('../outside/secret.csv', path.join(folder, 'k-dotdot.csv'))

  t.test('lists matching files and links, oldest first, without hidden ones or folders', async (t) => {
    const names = await listMatchingFiles(folder, '*.csv')
    t.same(names?.slice(0, 3), ['a-old.csv', 'c-mid.csv', 'b-new.csv'], 'by age')
    t.same(new Set(names), new Set([
      'a-old.csv', 'b-new.csv', 'c-mid.csv', 'g-out.csv', 'h-in.csv', 'i-dirlink.csv', 'j-broken.csv', 'k-dotdot.csv'
    ]))
    t.same(await listMatchingFiles(folder, 'a-*'), ['a-old.csv'])
    t.equal(await listMatchingFiles(path.join(root, 'missing'), '*'), undefined)
  })

  const identityOf = async (file: string) => {
    const stat = await lstat(file, { bigint: true })
    return { size: Number(stat.size), mtimeNs: stat.mtimeNs.toString(), inode: stat.ino.toString() }
  }

  t.test('copies a file with its size, sha256 and identity', async (t) => {
    const copy = await copyToStore(folder, 'a-old.csv', store, 1000)
    const identity = await identityOf(path.join(folder, 'a-old.csv'))
    t.same({ ...copy, filePath: path.dirname(copy.filePath) }, {
      fileName: 'a-old.csv', filePath: store, size: 4, checksum: sha256('old\n'), identity
    })
    t.equal(await readFile(copy.filePath, 'utf8'), 'old\n')
    const inner = await copyToStore(folder, 'h-in.csv', store, 1000)
    t.equal(inner.checksum, sha256('inner\n'), 'a link inside the folder is followed')
    t.same(inner.identity, await identityOf(path.join(folder, 'sub', 'inner.csv')), 'the identity is the target\'s')
  })

  t.test('tells the identity of a file without reading it, only of what copyToStore reads', async (t) => {
    t.same(await fileIdentity(folder, 'a-old.csv'), await identityOf(path.join(folder, 'a-old.csv')))
    t.same(await fileIdentity(folder, 'h-in.csv'), await identityOf(path.join(folder, 'sub', 'inner.csv')))
    for (const name of ['g-out.csv', 'k-dotdot.csv', 'j-broken.csv', 'i-dirlink.csv', 'gone.csv']) {
      t.equal(await fileIdentity(folder, name), undefined, name)
    }
  })

  t.test('refuses links out of the folder, odd entries and files over the limit', async (t) => {
    const before = await readdir(store)
    const refusal = (name: string, max = 1000) =>
      copyToStore(folder, name, store, max).then(() => 'copied', (err: Error) => {
        t.ok(err instanceof FolderFileError, `${name}: ${err.message}`)
        return err.message
      })
    t.match(await refusal('g-out.csv'), /outside the import folder/)
    t.match(await refusal('k-dotdot.csv'), /outside the import folder/)
    t.match(await refusal('j-broken.csv'), /broken symbolic link/)
    t.match(await refusal('i-dirlink.csv'), /not a regular file/)
    t.match(await refusal('b-new.csv', 3), /larger than the limit of 3 bytes/)
    t.match(await refusal('gone.csv'), /disappeared/)
    execFileSync('mkfifo', [path.join(folder, 'sub', 'pipe.csv')])
    await symlink('sub/pipe.csv', path.join(folder, 'l-pipe.csv'))
    t.match(await refusal('l-pipe.csv'), /not a regular file/, 'a FIFO does not hang the run')
    t.same(await readdir(store), before, 'a refusal leaves nothing in the store')
  })
})
