import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemLookup } from '../src/egress-decision.ts';
import { type EgressLookup, type EgressProxy, type SandboxEvent, startEgressProxy } from '../src/index.ts';

/** Sends one raw request over the proxy's unix socket and returns everything it answered. */
function rawRequest(socketPath: string, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    // The proxy may close while a huge request is still being written: what it said still counts.
    socket.on('error', () => {});
    socket.on('close', () => resolve(text));
    socket.write(request);
  });
}

const get = (url: string, host: string) =>
  `GET ${url} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
const connect = (authority: string) =>
  `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\nGET /tunnel HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`;

/** A real HTTP server on a loopback address that answers with its name and counts its requests. */
async function pageServer(name: string, address: string, port = 0) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end(`${name} ${req.method} ${req.url} host=${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return { server, hits, port: (server.address() as AddressInfo).port };
}

/** Answers from a fixed map; `localhost` goes to the host's real resolver; the rest do not exist. */
function mapLookup(names: Record<string, string[]>): EgressLookup {
  return async (hostname) => {
    if (hostname === 'localhost') return systemLookup(hostname);
    const addresses = names[hostname];
    if (!addresses) throw Object.assign(new Error(`no such name ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address }));
  };
}

describe('egress proxy', () => {
  let dir: string;
  let host: Awaited<ReturnType<typeof pageServer>>;
  let second: Awaited<ReturnType<typeof pageServer>>;
  let port: number;
  const proxies: EgressProxy[] = [];
  const start = async (name: string, options: Omit<Parameters<typeof startEgressProxy>[0], 'socketPath'>) => {
    const proxy = await startEgressProxy({ socketPath: join(dir, `${name}.sock`), ...options });
    proxies.push(proxy);
    return proxy;
  };
  /** Asks the proxy and checks which of the two loopback servers, if any, was reached. */
  const ask = async (proxy: EgressProxy, request: string) => {
    const before = { host: host.hits.length, second: second.hits.length };
    const response = await rawRequest(proxy.socketPath, request);
    return {
      response,
      reachedHost: host.hits.length > before.host,
      reachedSecond: second.hits.length > before.second,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'abca-proxy-'));
    host = await pageServer('host-page', '127.0.0.1');
    port = host.port;
    // The same port on another loopback address: what a rebinding answer would lead to instead.
    second = await pageServer('second-page', '127.0.0.2', port);
  });

  afterAll(async () => {
    for (const proxy of proxies) {
      await proxy.close();
      await proxy.close();
    }
    await Promise.all(
      [host, second].map(
        (s) => new Promise<void>((resolve) => (s ? s.server.close(() => resolve()) : resolve())),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with no private range allowed', () => {
    const events: SandboxEvent[] = [];
    let proxy: EgressProxy;

    beforeAll(async () => {
      proxy = await start('strict', {
        allowedHosts: [
          `localhost:${port}`,
          `127.0.0.1:${port}`,
          '169.254.169.254',
          'intranet.test',
          'metadata.test',
          'mapped.test',
          'mixed.test',
          'nowhere.test',
          '*.example.test',
        ],
        lookup: mapLookup({
          'intranet.test': ['10.1.2.3'],
          'metadata.test': ['169.254.169.254'],
          'mapped.test': ['::ffff:127.0.0.1'],
          'mixed.test': ['fd00:ec2::254', '192.168.1.1', '100.64.0.1'],
        }),
        onEvent: (event) => events.push(event),
      });
    });

    it('refuses an allowlisted name that resolves to loopback (localhost), plain and CONNECT', async () => {
      const plain = await ask(proxy, get(`http://localhost:${port}/`, `localhost:${port}`));
      expect(plain.response).toMatch(/^HTTP\/1.1 403/);
      expect(plain.response).toContain('localhost resolves to a loopback address');
      const tunnel = await ask(proxy, connect(`localhost:${port}`));
      expect(tunnel.response).toMatch(/^HTTP\/1.1 403/);
      expect(plain.reachedHost || tunnel.reachedHost).toBe(false);
      expect(events).toContainEqual({
        type: 'egress_blocked',
        host: 'localhost',
        port,
        reason: 'private_address',
        address: '127.0.0.1',
      });
    });

    it('refuses an allowlisted loopback IP literal, and its IPv6-mapped form', async () => {
      const literal = await ask(proxy, connect(`127.0.0.1:${port}`));
      expect(literal.response).toMatch(/^HTTP\/1.1 403/);
      expect(literal.reachedHost).toBe(false);
      const mapped = await ask(proxy, get(`http://mapped.test:${80}/`, 'mapped.test'));
      expect(mapped.response).toMatch(/^HTTP\/1.1 403/);
      expect(events).toContainEqual({
        type: 'egress_blocked',
        host: '127.0.0.1',
        port,
        reason: 'private_address',
        address: '127.0.0.1',
      });
      expect(events).toContainEqual({
        type: 'egress_blocked',
        host: 'mapped.test',
        port: 80,
        reason: 'private_address',
        address: '::ffff:127.0.0.1',
      });
    });

    it('refuses names resolving to private networks and cloud metadata, and the metadata IP itself', async () => {
      const intranet = await ask(proxy, connect('intranet.test:443'));
      expect(intranet.response).toMatch(/^HTTP\/1.1 403/);
      expect(intranet.response).toContain('a private network address');
      const metadata = await ask(proxy, get('http://metadata.test/latest/meta-data/', 'metadata.test'));
      expect(metadata.response).toMatch(/^HTTP\/1.1 403/);
      expect(metadata.response).toContain('a cloud metadata address');
      const literal = await ask(proxy, get('http://169.254.169.254/latest/', '169.254.169.254'));
      expect(literal.response).toMatch(/^HTTP\/1.1 403/);
      // Every address refused: the event names the first one.
      const mixed = await ask(proxy, connect('mixed.test:443'));
      expect(mixed.response).toMatch(/^HTTP\/1.1 403/);
      expect(events).toEqual(
        expect.arrayContaining([
          {
            type: 'egress_blocked',
            host: 'intranet.test',
            port: 443,
            reason: 'private_address',
            address: '10.1.2.3',
          },
          {
            type: 'egress_blocked',
            host: 'metadata.test',
            port: 80,
            reason: 'private_address',
            address: '169.254.169.254',
          },
          {
            type: 'egress_blocked',
            host: '169.254.169.254',
            port: 80,
            reason: 'private_address',
            address: '169.254.169.254',
          },
          {
            type: 'egress_blocked',
            host: 'mixed.test',
            port: 443,
            reason: 'private_address',
            address: 'fd00:ec2::254',
          },
        ]),
      );
    });

    it('refuses hosts not on the allowlist before resolving them, and ports the allowlist does not give', async () => {
      const plain = await ask(proxy, get('http://evil.test/', 'evil.test'));
      expect(plain.response).toMatch(/^HTTP\/1.1 403/);
      expect(plain.response).toContain("evil.test is not on this sandbox's network allowlist");
      const apex = await ask(proxy, connect('example.test:443'));
      expect(apex.response).toMatch(/^HTTP\/1.1 403/);
      const port22 = await ask(proxy, connect('git.example.test:22'));
      expect(port22.response).toMatch(/^HTTP\/1.1 403/);
      expect(port22.response).toContain('port 22 is not allowed for git.example.test');
      const otherPort = await ask(proxy, connect(`127.0.0.1:${port + 1}`));
      expect(otherPort.response).toMatch(/^HTTP\/1.1 403/);
      expect(events).toEqual(
        expect.arrayContaining([
          { type: 'egress_blocked', host: 'evil.test', port: 80, reason: 'not_allowlisted' },
          { type: 'egress_blocked', host: 'example.test', port: 443, reason: 'not_allowlisted' },
          { type: 'egress_blocked', host: 'git.example.test', port: 22, reason: 'port_not_allowed' },
          { type: 'egress_blocked', host: '127.0.0.1', port: port + 1, reason: 'port_not_allowed' },
        ]),
      );
    });

    it('answers 502 when an allowlisted name does not resolve', async () => {
      const missing = await ask(proxy, connect('nowhere.test:443'));
      expect(missing.response).toMatch(/^HTTP\/1.1 502/);
      expect(missing.response).toContain('could not resolve nowhere.test (ENOTFOUND)');
      expect(events).toContainEqual({
        type: 'egress_blocked',
        host: 'nowhere.test',
        port: 443,
        reason: 'resolve_failed',
      });
      expect(events.some((e) => e.type === 'egress_allowed')).toBe(false);
    });

    it('answers bad input with a clear 4xx and keeps serving', async () => {
      expect(await rawRequest(proxy.socketPath, 'CONNECT nonsense HTTP/1.1\r\n\r\n')).toMatch(
        /^HTTP\/1.1 400[\s\S]*CONNECT needs host:port/,
      );
      expect(await rawRequest(proxy.socketPath, 'CONNECT user@intranet.test:443 HTTP/1.1\r\n\r\n')).toMatch(
        /^HTTP\/1.1 400/,
      );
      expect(await rawRequest(proxy.socketPath, 'CONNECT a b c d\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
      expect(await rawRequest(proxy.socketPath, 'HELLO\r\n\r\n')).toMatch(
        /^HTTP\/1.1 400[\s\S]*malformed request/,
      );
      expect(await rawRequest(proxy.socketPath, get('/relative', 'x'))).toMatch(/^HTTP\/1.1 400/);
      expect(await rawRequest(proxy.socketPath, get('https://intranet.test/', 'x'))).toMatch(
        /^HTTP\/1.1 400/,
      );
      const huge = `GET http://intranet.test/ HTTP/1.1\r\nHost: intranet.test\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
      expect(await rawRequest(proxy.socketPath, huge)).toMatch(
        /^HTTP\/1.1 431[\s\S]*request headers too large/,
      );
      expect(await rawRequest(proxy.socketPath, get('http://evil.test/', 'evil.test'))).toMatch(
        /^HTTP\/1.1 403/,
      );
    });
  });

  describe('with 127.0.0.0/8 allowed by the operator', () => {
    const events: SandboxEvent[] = [];
    let proxy: EgressProxy;

    beforeAll(async () => {
      proxy = await start('operator', {
        allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`, 'unported.test', 'metadata.test'],
        allowPrivateRanges: ['127.0.0.0/8'],
        lookup: mapLookup({ 'unported.test': ['127.0.0.1'], 'metadata.test': ['169.254.169.254'] }),
        onEvent: (event) => events.push(event),
      });
    });

    it('reaches the local server by name, on the address it checked, with the original Host header', async () => {
      const plain = await ask(proxy, get(`http://localhost:${port}/path?q=1`, `localhost:${port}`));
      expect(plain.response).toMatch(/^HTTP\/1.1 200/);
      expect(plain.response).toContain(`host-page GET /path?q=1 host=localhost:${port}`);
      const tunnel = await ask(proxy, connect(`localhost:${port}`));
      expect(tunnel.response).toMatch(/^HTTP\/1.1 200 Connection Established/);
      expect(tunnel.response).toContain('host-page GET /tunnel');
      expect(events).toContainEqual({
        type: 'egress_allowed',
        host: 'localhost',
        port,
        address: '127.0.0.1',
      });
    });

    it('reaches an allowlisted IP literal in the range', async () => {
      const literal = await ask(proxy, connect(`127.0.0.1:${port}`));
      expect(literal.response).toContain('host-page GET /tunnel');
      expect(events).toContainEqual({
        type: 'egress_allowed',
        host: '127.0.0.1',
        port,
        address: '127.0.0.1',
      });
    });

    it('still refuses a port the allowlist does not name, and cloud metadata', async () => {
      const unported = await ask(proxy, get(`http://unported.test:${port}/`, `unported.test:${port}`));
      expect(unported.response).toMatch(/^HTTP\/1.1 403/);
      expect(unported.reachedHost).toBe(false);
      const otherPort = await ask(proxy, connect('localhost:80'));
      expect(otherPort.response).toMatch(/^HTTP\/1.1 403/);
      const metadata = await ask(proxy, connect('metadata.test:80'));
      expect(metadata.response).toMatch(/^HTTP\/1.1 403/);
      expect(events).toEqual(
        expect.arrayContaining([
          { type: 'egress_blocked', host: 'unported.test', port, reason: 'port_not_allowed' },
          { type: 'egress_blocked', host: 'localhost', port: 80, reason: 'port_not_allowed' },
          {
            type: 'egress_blocked',
            host: 'metadata.test',
            port: 80,
            reason: 'private_address',
            address: '169.254.169.254',
          },
        ]),
      );
    });
  });

  describe('against DNS rebinding', () => {
    const events: SandboxEvent[] = [];
    let proxy: EgressProxy;
    let lookups = 0;

    beforeAll(async () => {
      // 127.0.0.2 stands for the public address a rebinding name first answers (it must be reachable
      // here, so the operator allows exactly it); the later answer, 127.0.0.1, is the host's API.
      const rebinding: EgressLookup = async (hostname) => {
        if (hostname === 'first-good.test') return [{ address: '127.0.0.1' }, { address: '127.0.0.2' }];
        lookups += 1;
        return [{ address: lookups % 2 === 1 ? '127.0.0.2' : '127.0.0.1' }];
      };
      proxy = await start('rebinding', {
        allowedHosts: [`rebind.test:${port}`, `first-good.test:${port}`],
        allowPrivateRanges: ['127.0.0.2/32'],
        lookup: rebinding,
        onEvent: (event) => events.push(event),
      });
    });

    beforeEach(() => {
      lookups = 0;
      events.length = 0;
    });

    it('resolves once and connects to the address it checked, never to a second answer', async () => {
      const plain = await ask(proxy, get(`http://rebind.test:${port}/`, `rebind.test:${port}`));
      expect(plain.response).toContain(`second-page GET / host=rebind.test:${port}`);
      expect(plain.reachedHost).toBe(false);
      expect(lookups).toBe(1);
      lookups = 0;
      const tunnel = await ask(proxy, connect(`rebind.test:${port}`));
      expect(tunnel.response).toContain('second-page GET /tunnel');
      expect(tunnel.reachedHost).toBe(false);
      expect(lookups).toBe(1);
      expect(events).toEqual([
        { type: 'egress_allowed', host: 'rebind.test', port, address: '127.0.0.2' },
        { type: 'egress_allowed', host: 'rebind.test', port, address: '127.0.0.2' },
      ]);
    });

    it('refuses when the answer it gets is the forbidden one', async () => {
      lookups = 1;
      const rebound = await ask(proxy, connect(`rebind.test:${port}`));
      expect(rebound.response).toMatch(/^HTTP\/1.1 403/);
      expect(rebound.reachedHost).toBe(false);
      expect(events).toEqual([
        {
          type: 'egress_blocked',
          host: 'rebind.test',
          port,
          reason: 'private_address',
          address: '127.0.0.1',
        },
      ]);
    });

    it('picks the first acceptable address among several', async () => {
      const picked = await ask(proxy, connect(`first-good.test:${port}`));
      expect(picked.response).toContain('second-page GET /tunnel');
      expect(picked.reachedHost).toBe(false);
      expect(events).toEqual([
        { type: 'egress_allowed', host: 'first-good.test', port, address: '127.0.0.2' },
      ]);
    });
  });

  it('refuses to start on a malformed allowlist entry or range', async () => {
    await expect(start('bad-host', { allowedHosts: ['registry.example.com:99999'] })).rejects.toThrow(
      /invalid allowlist entry "registry.example.com:99999"/,
    );
    await expect(
      start('bad-range', { allowedHosts: ['x.test'], allowPrivateRanges: ['10.0.0.0/40'] }),
    ).rejects.toThrow(/"10.0.0.0\/40" is not a CIDR range/);
  });
});
