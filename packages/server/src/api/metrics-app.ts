import { Hono } from 'hono';
import type { Metrics } from '../ops/metrics.ts';

/**
 * The metrics listener an operator may run apart from the API (`ABCA_METRICS_PORT`, on
 * `ABCA_METRICS_HOST`, 127.0.0.1 by default): Prometheus scrapes `/metrics` there without a key,
 * so the listener's address is the access control. Workers, which serve no API, can run it too.
 */
export function createMetricsApp(metrics: Metrics) {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: 'This listener serves GET /metrics only.' } }, 404),
  );
  return app;
}
