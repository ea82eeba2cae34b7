import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import metrics from 'fastify-metrics'

/**
 * Prometheus metrics at /metrics: process defaults and a latency histogram
 * per route (by route pattern, never by raw URL, so ids do not explode the
 * label space). Open like the health routes: expose it to the scraper only.
 */
async function metricsPlugin (app: FastifyInstance) {
  await app.register(metrics.default, {
    endpoint: {
      url: '/metrics',
      method: 'GET',
      schema: { hide: true },
      handler: async () => app.metrics.client.register.metrics()
    },
    // Tests build many apps in one process; each starts from a clean registry.
    clearRegisterOnInit: true,
    // A histogram is enough for latency quantiles in Prometheus; the summary's
    // digest cost a few percent of every request.
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      groupStatusCodes: true,
      routeBlacklist: ['/metrics', '/health/live', '/health/ready']
    }
  })
}

export default fp(metricsPlugin, { name: 'metrics' })
