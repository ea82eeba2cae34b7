import autocannon, { type Request } from 'autocannon'
import type { BenchConfig } from './bench.config.js'
import type { ServerChild } from './child.js'

/**
 * One autocannon run against one side, with the same connections,
 * pipelining and duration whichever side it is, plus the CPU the server
 * process and the load generator spent meanwhile: on two shared cores the
 * server's CPU per request is the figure least disturbed by its neighbours.
 */

export interface Side {
  name: 'ours' | 'bare'
  child: ServerChild
  headers: Record<string, string>
}

export interface RunStats {
  rps: number
  p50: number
  p99: number
  requests: number
  /** response size with headers, bytes */
  bytesPerResponse: number
  /** server CPU (user + system) per answered request, µs */
  serverCpuPerRequest: number
  /** share of one core the load generator used */
  generatorCpu: number
}

export async function runLoad (
  side: Side,
  requests: Request[],
  config: BenchConfig,
  seconds: number
): Promise<RunStats> {
  const serverBefore = await side.child.cpuMicros()
  const generatorBefore = process.cpuUsage()
  const result = await autocannon({
    url: `http://127.0.0.1:${side.child.port}`,
    connections: config.connections,
    pipelining: config.pipelining,
    duration: seconds,
    headers: side.headers,
    requests
  })
  const generator = process.cpuUsage(generatorBefore)
  const serverAfter = await side.child.cpuMicros()

  // A side answering errors fast would look good; any failure voids the run.
  if (result.errors > 0 || result.non2xx > 0 || result.requests.total === 0) {
    const codes = JSON.stringify(result.statusCodeStats)
    const failures = `${result.errors} errors, ${result.non2xx} non-2xx answers`
    throw new Error(`${side.name}: ${failures} (${codes})`)
  }
  const answered = result.requests.total
  return {
    rps: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: answered,
    bytesPerResponse: result.throughput.total / answered,
    serverCpuPerRequest: (serverAfter - serverBefore) / answered,
    generatorCpu: (generator.user + generator.system) / (result.duration * 1e6)
  }
}

/**
 * Requests that walk through `paths` in turn, one per request across all
 * connections, so each run reads many rows instead of one hot row.
 */
export function rotating (paths: readonly string[]): Request[] {
  let next = 0
  return [{
    method: 'GET',
    setupRequest: (request) => {
      const path = paths[next % paths.length] as string
      next++
      return { ...request, path }
    }
  }]
}

export const fixed = (path: string): Request[] => [{ method: 'GET', path }]
