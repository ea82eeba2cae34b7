import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'

/**
 * A per-campaign rate limit shared by every worker process: one Redis key
 * per campaign holds the next free send slot (microseconds, Redis clock, so
 * the workers' clocks do not matter). Each message reserves the next slot,
 * one interval after the previous one, and waits for it; N messages at R
 * per second take at least (N - 1) / R seconds however many workers send.
 * A reservation left unused (a worker died) only costs one interval.
 * Microsecond times stay below 2^53, exact in Lua's doubles; `%.0f`
 * writes them without an exponent.
 */
const RESERVE = `
local now = redis.call('TIME')
local nowUs = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < nowUs then slot = nowUs end
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX',
  math.ceil((slot + interval - nowUs) / 1000) + 60000)
return slot - nowUs
`

export interface RateLimiter {
  /** Resolves when this message may go; `perSecond` may change between calls. */
  acquire: (perSecond: number, signal?: AbortSignal) => Promise<void>
}

export function campaignRateLimiter (
  redis: Redis,
  prefix: string,
  campaignId: string
): RateLimiter {
  const key = `${prefix}:campaign-send-rate:${campaignId}`
  return {
    async acquire (perSecond, signal) {
      const intervalUs = Math.max(1, Math.floor(1_000_000 / perSecond))
      const waitUs = Number(await redis.eval(RESERVE, 1, key, String(intervalUs)))
      if (waitUs < 1000) return
      // An abort ends the wait early; the caller checks its signal before sending.
      await sleep(Math.floor(waitUs / 1000), undefined, { signal }).catch(() => {})
    }
  }
}
