import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { type DownloadOptions, downloadToFile } from '../../../src/lib/net/https-download.js'
import { DownloadError } from '../../../src/lib/net/net.errors.js'
import { startHttpsServer } from './https-server.js'

// Real HTTPS to a local server with a certificate openssl makes at test
// time; real DNS for localhost. Nothing is mocked.

const CSV = 'email,lastName\nada@example.com,Lovelace\ngrace@example.com,Hopper\n'
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')

t.test('https download', async (t) => {
  const server = await startHttpsServer(t, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost')
    switch (url.pathname) {
      case '/contacts.csv':
        res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV)
        return
      case '/moved':
        res.writeHead(302, { location: '/contacts.csv' }).end()
        return
      case '/loop':
        res.writeHead(301, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` }).end()
        return
      case '/to-http':
        res.writeHead(307, { location: `http://localhost:${server.port}/contacts.csv` }).end()
        return
      case '/announced-big':
        res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000))
        return
      case '/streamed-big':
        res.writeHead(200)
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000))
        res.end()
        return
      case '/missing':
        res.writeHead(404).end('no')
        return
      case '/broken':
        res.writeHead(503).end('later')
        return
      case '/stalls':
        res.writeHead(200)
        res.write('a')
        return
      default:
        res.writeHead(500).end()
    }
  })
  const dir = await mkdtemp(path.join(tmpdir(), 'crm-download-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let n = 0
  const target = () => path.join(dir, `file-${++n}`)
  const allowed: DownloadOptions = { maxBytes: 4096, allowPrivate: true, ca: server.ca, idleTimeoutMs: 500 }
  const fail = (url: string, options: DownloadOptions) =>
    downloadToFile(url, target(), options).then(() => undefined, (err: unknown) => err as DownloadError)

  t.test('refuses 127.0.0.1 and localhost without connecting', async (t) => {
    const before = server.hits()
    const strict = { ...allowed, allowPrivate: false }
    const literal = await fail(`https://127.0.0.1:${server.port}/contacts.csv`, strict)
    t.ok(literal instanceof DownloadError)
    t.match(literal, { reason: 'address_refused', isPermanent: true, message: /127\.0\.0\.1 is a loopback address/ })
    const named = await fail(`https://localhost:${server.port}/contacts.csv`, strict)
    t.match(named, { reason: 'address_refused', message: /^localhost resolves to an address that is a loopback/ })
    const mapped = await fail(`https://[::ffff:127.0.0.1]:${server.port}/contacts.csv`, strict)
    t.match(mapped, { reason: 'address_refused', message: /loopback/ })
    t.equal(server.hits(), before, 'the server saw no request')
    t.same(await readdir(dir), [], 'nothing was written')
  })

  t.test('downloads when private networks are allowed', async (t) => {
    for (const host of ['localhost', '127.0.0.1']) {
      const file = target()
      const got = await downloadToFile(`https://${host}:${server.port}/contacts.csv`, file, allowed)
      t.same(got, {
        size: Buffer.byteLength(CSV),
        checksum: sha256(CSV),
        finalUrl: `https://${host}:${server.port}/contacts.csv`,
        fileName: 'contacts.csv',
        contentType: 'text/csv'
      }, host)
      t.equal(await readFile(file, 'utf8'), CSV)
    }
  })

  t.test('checks the certificate', async (t) => {
    const untrusted = await fail(`https://localhost:${server.port}/contacts.csv`, { ...allowed, ca: undefined })
    t.match(untrusted, { reason: 'network', isPermanent: true, message: /certificate/ })
  })

  t.test('follows a few redirects, checking each', async (t) => {
    const got = await downloadToFile(`https://localhost:${server.port}/moved`, target(), allowed)
    t.equal(got.finalUrl, `https://localhost:${server.port}/contacts.csv`)
    t.equal(got.checksum, sha256(CSV))
    t.match(await fail(`https://localhost:${server.port}/loop`, allowed), {
      reason: 'redirects', isPermanent: true, message: 'more than 3 redirects'
    })
    t.match(await fail(`https://localhost:${server.port}/to-http`, allowed), {
      reason: 'invalid_url', isPermanent: true, message: 'the URL redirected to must use https'
    })
    const refused = await fail(`https://localhost:${server.port}/moved`, { ...allowed, allowPrivate: false })
    t.match(refused, { reason: 'address_refused' })
  })

  t.test('stops at the size limit, announced or not', async (t) => {
    const before = await readdir(dir)
    t.match(await fail(`https://localhost:${server.port}/announced-big`, allowed), {
      reason: 'too_large', isPermanent: true, message: 'the file is larger than 4096 bytes'
    })
    t.match(await fail(`https://localhost:${server.port}/streamed-big`, allowed), { reason: 'too_large' })
    t.same(await readdir(dir), before, 'partial files are removed')
  })

  t.test('says which failures may pass', async (t) => {
    t.match(await fail(`https://localhost:${server.port}/missing`, allowed), {
      reason: 'status', isPermanent: true, message: 'the server answered 404'
    })
    t.match(await fail(`https://localhost:${server.port}/broken`, allowed), {
      reason: 'status', isPermanent: false, message: 'the server answered 503'
    })
    const stalled = await fail(`https://localhost:${server.port}/stalls`, allowed)
    t.equal(stalled?.isPermanent, false, `a stalled body may pass: ${stalled?.message}`)
    t.match(stalled?.reason, /^(timeout|network)$/)
    const aborted = new AbortController()
    const slow = { ...allowed, idleTimeoutMs: 10_000, signal: aborted.signal }
    const pending = fail(`https://localhost:${server.port}/stalls`, slow)
    setTimeout(() => aborted.abort(), 100)
    t.match(await pending, { reason: 'aborted', isPermanent: false })
    t.match(await fail('https://no-such-host.invalid/a.csv', allowed), { reason: 'dns' })
    t.match(await fail('http://localhost/a.csv', allowed), { reason: 'invalid_url', message: 'the URL must use https' })
  })
})
