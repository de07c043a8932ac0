import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ApiDeps, AppEnv } from '../../api/deps.ts';
import { ChannelsConfigSchema, readChannelsEnv } from '../../config/channels-config.ts';
import { AppError } from '../../ops/errors.ts';
import { slackRoutes } from './routes.ts';

describe('Slack ingress without a signing secret', () => {
  it('answers 404 CHANNEL_NOT_CONFIGURED on each URL before reading anything', async () => {
    const channels = ChannelsConfigSchema.parse(readChannelsEnv(() => undefined));
    const touched: string[] = [];
    const db = new Proxy({}, { get: (_t, k) => touched.push(String(k)) });
    const app = new Hono<AppEnv>();
    app.route('/webhooks/slack', slackRoutes({ db, config: { channels } } as unknown as ApiDeps));
    app.onError((err, c) => c.json({ code: err instanceof AppError ? err.code : 'other' }, 404));
    for (const path of ['events', 'commands', 'interactions']) {
      const res = await app.request(`/webhooks/slack/${path}`, {
        method: 'POST',
        body: '{"type":"url_verification"}',
      });
      expect(await res.json()).toEqual({ code: 'CHANNEL_NOT_CONFIGURED' });
    }
    expect(touched).toEqual([]);
  });
});
