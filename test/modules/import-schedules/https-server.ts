import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

interface Tap {
  teardown: (fn: () => unknown) => void
}

export interface TestHttpsServer {
  port: number
  /** The server's certificate (PEM), for the client to trust. */
  ca: string
  /** Where the certificate is, for IMPORT_URL_CA_FILE. */
  caFile: string
  /** Requests the server has received. */
  hits: () => number
}

/**
 * A real HTTPS server on 127.0.0.1 with a self-signed certificate for
 * localhost and 127.0.0.1, made by openssl in a temporary folder when the
 * test starts (the test fails when openssl is missing).
 */
export async function startHttpsServer (
  t: Tap,
  handler: (req: IncomingMessage, res: ServerResponse) => void
): Promise<TestHttpsServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crm-https-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const key = path.join(dir, 'key.pem')
  const caFile = path.join(dir, 'cert.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ], { stdio: 'ignore' })
  const ca = await readFile(caFile, 'utf8')
  let hits = 0
  const server: Server = createServer({ key: await readFile(key), cert: ca }, (req, res) => {
    hits++
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(resolve)
  }))
  const port = (server.address() as AddressInfo).port
  return { port, ca, caFile, hits: () => hits }
}
