/**
 * The knobs of `npm run bench:api`, read once from the environment. The
 * benchmark is a script, not the app, so it reads its own variables here
 * instead of going through src/config.ts.
 */
export interface BenchConfig {
  /** contacts loaded into the measured workspace */
  rows: number
  /** seconds of each measured round */
  duration: number
  /** seconds of the unrecorded warm-up before each pair */
  warmup: number
  /** measured rounds per side and scenario (ours, bare, ours, bare, ...) */
  rounds: number
  connections: number
  pipelining: number
  /** pg pool size of both servers */
  poolSize: number
  /** distinct ids the read-by-id scenario rotates through */
  sampleSize: number
  scenarios: ScenarioName[]
  /** the maintenance database; the scratch database sits next to it */
  adminUrl: string
  redisUrl: string
  database: string
  /** write V8 CPU profiles of both servers (slows them down a little) */
  profileDir: string | undefined
}

export type ScenarioName = 'id' | 'page'

const SCENARIOS: readonly ScenarioName[] = ['id', 'page']

// Only local servers: the benchmark must never send its load elsewhere.
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

function integer (env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number) {
  const raw = env[key]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer from ${min} to ${max}, got ${raw}`)
  }
  return value
}

function localUrl (env: NodeJS.ProcessEnv, key: string, fallback: string) {
  const raw = env[key] || fallback
  const url = new URL(raw)
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw new Error(`${key} must point at this machine, got ${url.hostname}`)
  }
  return raw
}

function scenarios (raw: string | undefined): ScenarioName[] {
  if (raw === undefined || raw === '') return [...SCENARIOS]
  const names = raw.split(',').map((s) => s.trim())
  for (const name of names) {
    if (!SCENARIOS.includes(name as ScenarioName)) {
      throw new Error(`BENCH_SCENARIOS takes ${SCENARIOS.join(', ')}, got ${name}`)
    }
  }
  return names as ScenarioName[]
}

export function loadBenchConfig (env: NodeJS.ProcessEnv): BenchConfig {
  const duration = integer(env, 'BENCH_DURATION', 10, 1, 600)
  const database = env.BENCH_DATABASE || 'crm_bench'
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new Error('BENCH_DATABASE must be a plain lower-case name')
  }
  return {
    rows: integer(env, 'BENCH_ROWS', 1_000_000, 1, 50_000_000),
    duration,
    warmup: integer(env, 'BENCH_WARMUP', Math.min(5, duration), 0, 600),
    rounds: integer(env, 'BENCH_ROUNDS', 2, 1, 20),
    connections: integer(env, 'BENCH_CONNECTIONS', 50, 1, 1000),
    pipelining: integer(env, 'BENCH_PIPELINING', 1, 1, 100),
    poolSize: integer(env, 'BENCH_POOL', 10, 1, 80),
    sampleSize: integer(env, 'BENCH_SAMPLE', 5000, 1, 100_000),
    scenarios: scenarios(env.BENCH_SCENARIOS),
    adminUrl: localUrl(env, 'BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres'),
    redisUrl: localUrl(env, 'BENCH_REDIS_URL', 'redis://127.0.0.1:6379'),
    database,
    profileDir: env.BENCH_PROFILE_DIR || undefined
  }
}
