import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.js'
import type { AppDeps } from '../../../src/deps.js'
import { startWorkers } from '../../../src/worker.js'
import type { TestWorkspace } from '../../fixtures/workspaces.js'
import { buildTestDeps, type Response } from '../../helper.js'

/**
 * The real app and a real in-process worker over the test Postgres and
 * Redis, with import files in a folder of their own (removed after). The
 * worker, the app and the connections close in that order.
 */

interface Tap {
  teardown: (fn: () => unknown) => void
}

export async function importApp (
  t: Tap,
  overrides: Record<string, string> = {},
  options: { worker?: boolean } = {}
): Promise<{ app: FastifyInstance, deps: AppDeps, dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-imports-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const deps = await buildTestDeps(t, { DATA_DIR: dataDir, ...overrides })
  const app = await buildApp(deps)
  t.teardown(() => app.close())
  await app.ready()
  if (options.worker !== false) {
    const workers = await startWorkers(deps, deps.config.REDIS_URL as string)
    t.teardown(() => workers.close())
  }
  return { app, deps, dataDir }
}

export interface FilePart {
  name: string
  content: string | Buffer
  type?: string
}

/** A multipart/form-data body: the fields, then the file (or the file first). */
export function form (
  fields: Record<string, string>,
  file?: FilePart,
  options: { fileFirst?: boolean } = {}
): { payload: Buffer, headers: Record<string, string> } {
  const boundary = `----crm-test-${randomUUID()}`
  const parts: Buffer[] = []
  const field = (name: string, value: string) => parts.push(Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  ))
  const filePart = (f: FilePart) => {
    parts.push(Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\n` +
      `Content-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`
    ))
    parts.push(typeof f.content === 'string' ? Buffer.from(f.content) : f.content)
    parts.push(Buffer.from('\r\n'))
  }
  if (file !== undefined && options.fileFirst === true) filePart(file)
  for (const [name, value] of Object.entries(fields)) field(name, value)
  if (file !== undefined && options.fileFirst !== true) filePart(file)
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export async function upload (
  ws: Pick<TestWorkspace, 'request'>,
  fields: Record<string, string>,
  file?: FilePart,
  options: { fileFirst?: boolean } = {}
): Promise<Response> {
  const { payload, headers } = form(fields, file, options)
  return ws.request({ method: 'POST', url: '/v1/imports', payload, headers })
}

export interface ImportJson {
  id: string
  status: string
  jobId: string
  error: string | null
  rowsRead: number
  rowsCreated: number
  rowsUpdated: number
  rowsSkipped: number
  rowsFailed: number
  [key: string]: unknown
}

/** Polls the import until it is over; throws after `timeoutMs`. */
export async function waitForImport (
  ws: Pick<TestWorkspace, 'request'>,
  id: string,
  timeoutMs = 30_000
): Promise<ImportJson> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const res = await ws.request({ method: 'GET', url: `/v1/imports/${id}` })
    if (res.statusCode !== 200) throw new Error(`import read failed: ${res.statusCode} ${res.body}`)
    const body = res.json() as ImportJson
    if (body.status === 'succeeded' || body.status === 'failed') return body
    if (Date.now() > until) throw new Error(`import ${id} still ${body.status} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Uploads and waits: the finished import; throws unless the upload answered 202. */
export async function runImport (
  ws: Pick<TestWorkspace, 'request'>,
  fields: Record<string, string>,
  file: FilePart
): Promise<ImportJson> {
  const res = await upload(ws, fields, file)
  if (res.statusCode !== 202) throw new Error(`upload failed: ${res.statusCode} ${res.body}`)
  return waitForImport(ws, res.json().id)
}

/** The failed rows as served by the errors route, parsed (the CSV is simple: no quoted newlines assumed). */
export async function errorsOf (ws: Pick<TestWorkspace, 'request'>, id: string): Promise<Response> {
  return ws.request({ method: 'GET', url: `/v1/imports/${id}/errors` })
}

/** Every record of a collection, through the API, walking its pages. */
export async function allRecords (
  ws: Pick<TestWorkspace, 'request'>,
  collection: string
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  let cursor: string | null = null
  do {
    const url: string = `/v1/${collection}?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const res = await ws.request({ method: 'GET', url })
    if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`)
    const body = res.json() as { data: Record<string, unknown>[], nextCursor: string | null }
    out.push(...body.data)
    cursor = body.nextCursor
  } while (cursor !== null)
  return out
}

/** A tiny CSV parser for the errors file (RFC 4180: quotes, doubled quotes, CRLF). */
export function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++
    } else cell += c
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row) }
  return rows
}
