import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

/**
 * With `ABCA_METRICS_PORT`, metrics have a listener of their own (127.0.0.1 unless
 * `ABCA_METRICS_HOST` says otherwise) that asks for no key, and the API port has no `/metrics`.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform({ ABCA_METRICS_PORT: '0' });
});
afterAll(async () => {
  await p?.platform.stop();
});

describe('a separate metrics listener', () => {
  it('serves /metrics without a key on its own port; the API answers 404 for it, health stays open', async () => {
    const metricsUrl = p.platform.metricsUrl as string;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(new URL(p.url).port);
    const m = await fetch(metricsUrl);
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(text).toContain('abca_queue_depth');
    expect(text).toContain('# TYPE abca_http_requests_total counter');
    const other = await fetch(metricsUrl.replace(/\/metrics$/, '/v1/repos'));
    expect(other.status).toBe(404);

    for (const key of [null, p.adminKey]) {
      const onApi = await p.request('GET', '/metrics', { key });
      expect(onApi.status).toBe(404);
      expect(onApi.body.error.code).toBe('NOT_FOUND');
    }
    expect((await p.request('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await p.request('GET', '/readyz', { key: null })).status).toBe(200);
  });

  it('refuses a bad port or a host without a port, naming the variable', () => {
    expect(() => loadConfig({ ABCA_METRICS_PORT: 'ninety' })).toThrow(
      /ABCA_METRICS_PORT must be a port number/,
    );
    expect(() => loadConfig({ ABCA_METRICS_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ABCA_METRICS_HOST: '0.0.0.0' })).toThrow(
      /ABCA_METRICS_HOST is set but not ABCA_METRICS_PORT/,
    );
    expect(loadConfig({ ABCA_METRICS_PORT: '9464' })).toMatchObject({
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
  });
});
