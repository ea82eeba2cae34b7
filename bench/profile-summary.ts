import { readFileSync } from 'node:fs'

/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a server's
 * CPU went, from a V8 profile written with BENCH_PROFILE_DIR. Prints self
 * time by package and by function, and inclusive time (the function and
 * what it calls) by function, as shares of the non-idle samples after
 * startup (module loading and plugin boot are left out), and first a
 * rough account by step (auth, query building, driver, serialization...).
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const IDLE = new Set(['(idle)', '(program)'])

function where (url: string): string {
  if (url === '') return '(native)'
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1] as string
  if (url.startsWith('node:')) return 'node'
  const own = /\/(src|bench)\/(.*)$/.exec(url)
  return own === null ? url : `${own[1]}/${own[2]}`
}

function label (node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  if (url === '') return functionName
  const file = url
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(src|bench)\//, '$1/')
    .replace(/^file:\/\//, '')
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
}

function top (totals: Map<string, number>, all: number, count: number) {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => {
      const share = ((100 * micros) / all).toFixed(1).padStart(5)
      return `${share} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`
    })
}

const [file, count = '30'] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const node of profile.nodes) {
  for (const child of node.children ?? []) parent.set(child, node.id)
}

/**
 * Buckets for a per-step account. A sample goes to the bucket of the
 * leaf-most frame that names one, so a hook that calls the next hook
 * synchronously is not charged for it; node internals (crypto, sockets)
 * are charged to the package that called them.
 */
const BUCKETS: [string, (f: ProfileNode['callFrame']) => boolean][] = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['auth: JWT verify, claims', (f) => /fast-jwt|@fastify\/jwt|src\/plugins\/auth\.plugin/.test(f.url)],
  ['drizzle: build query, SQL text', (f) => f.url.includes('/drizzle-orm/')],
  ['our query glue (prepared.ts, queries)', (f) =>
    /src\/lib\/(records|resource\/resource\.queries|list)\//.test(f.url)],
  ['toDto (recordToDto)', (f) => f.url.includes('src/lib/resource/resource.schemas')],
  // fast-json-stringify and Ajv compile to functions without a URL
  ['serialize (fast-json-stringify, JSON)', (f) =>
    f.url.includes('/fast-json-stringify/') ||
    (f.url === '' && /^anonymous\d*$/.test(f.functionName)) ||
    (f.url.includes('/fastify/lib/reply.js') && f.functionName === 'serialize')],
  ['validation (ajv)', (f) =>
    f.url.includes('/ajv/') ||
    (f.url === '' && /^validate\d+$/.test(f.functionName)) ||
    f.url.includes('/fastify/lib/validation.js')],
  ['pg: parse rows', (f) =>
    /pg-protocol|pg\/lib\/result\.js|pg-types|postgres-date|postgres-array/.test(f.url)],
  ['pg: send query, pool', (f) => /\/(pg|pg-pool)\//.test(f.url)],
  ['pino (child logger, redact)', (f) => /\/(pino|@pinojs\/redact|pino-std-serializers)\//.test(f.url)],
  ['cors', (f) => f.url.includes('/@fastify/cors/')],
  ['idempotency hook', (f) => f.url.includes('src/plugins/idempotency/')],
  ['our other code (src/)', (f) => f.url.includes('/src/')],
  ['fastify: routing, hooks, reply', (f) =>
    /\/(fastify|find-my-way|light-my-request|@fastify\/[^/]+)\//.test(f.url)],
  ['bench harness', (f) => f.url.includes('/bench/')]
]

function bucketOf (id: number): string {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)
    if (frame === undefined) continue
    for (const [name, test] of BUCKETS) if (test(frame.callFrame)) return name
  }
  return 'node: http parse/write, timers (no package above)'
}

const byBucket = new Map<string, number>()
const selfByPackage = new Map<string, number>()
const selfByFunction = new Map<string, number>()
const inclusive = new Map<string, number>()
let busy = 0
const add = (map: Map<string, number>, key: string, micros: number) =>
  map.set(key, (map.get(key) ?? 0) + micros)

/** Loading modules and booting plugins happen once, before any request. */
function isStartup (id: number): boolean {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at)?.callFrame.url ?? ''
    if (url.includes('/avvio/') || url.startsWith('node:internal/modules/')) return true
  }
  return false
}

let startup = 0
profile.samples.forEach((id, i) => {
  const node = byId.get(id)
  const micros = profile.timeDeltas[i] ?? 0
  if (node === undefined || IDLE.has(node.callFrame.functionName)) return
  if (isStartup(id)) {
    startup += micros
    return
  }
  busy += micros
  add(byBucket, bucketOf(id), micros)
  add(selfByPackage, where(node.callFrame.url), micros)
  add(selfByFunction, label(node), micros)
  // Each function once per sample, however deep the recursion.
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)
    if (frame === undefined || frame.callFrame.functionName === '(root)') continue
    const key = label(frame)
    if (!seen.has(key)) {
      seen.add(key)
      add(inclusive, key, micros)
    }
  }
})

const n = Number(count)
const ms = (micros: number) => `${(micros / 1000).toFixed(0)} ms`
process.stdout.write(`busy ${ms(busy)} after startup (${ms(startup)} of startup left out)\n`)
process.stdout.write(`\nby step\n${top(byBucket, busy, BUCKETS.length + 1).join('\n')}\n`)
process.stdout.write(`\nself time by package\n${top(selfByPackage, busy, n).join('\n')}\n`)
process.stdout.write(`\nself time by function\n${top(selfByFunction, busy, n).join('\n')}\n`)
process.stdout.write(`\ninclusive time by function\n${top(inclusive, busy, n * 2).join('\n')}\n`)
