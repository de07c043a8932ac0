import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

describe('configuration', () => {
  it('has sane defaults', () => {
    const c = loadConfig({ ABCA_HOME: '/tmp/x' });
    expect(c).toMatchObject({
      home: '/tmp/x',
      port: 8787,
      caps: { perUser: 3, perRepo: 5, global: 10 },
      agentRuntime: 'builtin',
      sandbox: 'bubblewrap',
      notifier: 'log',
      workspaceRetentionHours: 24,
    });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('names each bad variable and what it must be', () => {
    try {
      loadConfig({
        ABCA_PORT: 'eighty',
        ABCA_MAX_TASKS_PER_USER: '0',
        DATABASE_URL: 'mysql://x',
        ABCA_LOG_LEVEL: 'loud',
        ABCA_WORKSPACE_RETENTION_HOURS: '-1',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toContain('ABCA_PORT');
      expect(text).toContain('ABCA_MAX_TASKS_PER_USER must be greater than 0');
      expect(text).toContain('DATABASE_URL must start with postgres://');
      expect(text).toContain('ABCA_LOG_LEVEL');
      expect(text).toContain('ABCA_WORKSPACE_RETENTION_HOURS must be 0 or more');
      expect((err as ConfigError).problems).toHaveLength(5);
    }
  });

  it('treats blank values as unset and refuses a stale window shorter than two heartbeats', () => {
    expect(loadConfig({ ABCA_PORT: ' ', DATABASE_URL: '' }).port).toBe(8787);
    expect(() => loadConfig({ ABCA_HEARTBEAT_MS: '5000', ABCA_EXECUTOR_STALE_MS: '6000' })).toThrow(
      /more than twice ABCA_HEARTBEAT_MS/,
    );
  });

  it('reads the private ranges sandboxes may reach, none by default, and names a malformed one', () => {
    expect(loadConfig({}).egressAllowPrivate).toEqual([]);
    expect(
      loadConfig({ ABCA_EGRESS_ALLOW_PRIVATE: ' 10.0.0.0/8, fd00::/8 ,,192.168.1.5' }).egressAllowPrivate,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.5']);
    try {
      loadConfig({ ABCA_EGRESS_ALLOW_PRIVATE: '10.0.0.0/8,10.0.0.0/33,intranet' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'ABCA_EGRESS_ALLOW_PRIVATE: "10.0.0.0/33" is not a CIDR range such as 10.0.0.0/8 or fd00::/8',
        'ABCA_EGRESS_ALLOW_PRIVATE: "intranet" is not a CIDR range such as 10.0.0.0/8 or fd00::/8',
      ]);
    }
  });

  it('lets command-line overrides win', () => {
    expect(loadConfig({ ABCA_PORT: '1234' }, { port: 4321 }).port).toBe(4321);
  });
});
