// The part of autocannon 8 the benchmark uses; the package ships no types.
declare module 'autocannon' {
  interface RequestData {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }

  interface Request extends RequestData {
    setupRequest?: (request: RequestData, context: Record<string, unknown>) => RequestData
  }

  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: Request[]
  }

  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
  }

  interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram
    requests: Histogram & { sent: number }
    throughput: Histogram
  }

  export default function autocannon (options: Options): Promise<Result>
}
