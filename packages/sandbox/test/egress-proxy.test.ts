import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EgressProxy, type SandboxEvent, startEgressProxy } from '../src/index.ts';

/** Sends one raw request over the proxy's unix socket and returns the raw response text. */
function rawRequest(socketPath: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('host-page') || text.startsWith('HTTP/1.1 4')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write(request);
  });
}

describe('egress proxy', () => {
  let dir: string;
  let proxy: EgressProxy;
  let server: http.Server;
  let port: number;
  const events: SandboxEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'abca-proxy-'));
    server = http.createServer((req, res) => res.end(`host-page ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    proxy = await startEgressProxy({
      socketPath: join(dir, 'proxy.sock'),
      allowedHosts: ['localhost', '*.example.test'],
      onEvent: (event) => events.push(event),
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await proxy?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards absolute-URI requests to allowed hosts', async () => {
    const response = await rawRequest(
      proxy.socketPath,
      `GET http://localhost:${port}/path?q=1 HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1.1 200/);
    expect(response).toContain('host-page GET /path?q=1');
    expect(events).toContainEqual({ type: 'egress_allowed', host: 'localhost', port });
  });

  it('tunnels CONNECT to allowed hosts', async () => {
    const response = await rawRequest(
      proxy.socketPath,
      `CONNECT localhost:${port} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\nGET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1.1 200 Connection Established/);
    expect(response).toContain('host-page GET /tunnel');
  });

  it('refuses other hosts with 403 and reports each attempt', async () => {
    const plain = await rawRequest(
      proxy.socketPath,
      'GET http://evil.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n',
    );
    expect(plain).toMatch(/^HTTP\/1.1 403/);
    const tunnel = await rawRequest(
      proxy.socketPath,
      'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test\r\n\r\n',
    );
    expect(tunnel).toMatch(/^HTTP\/1.1 403/);
    const ip = await rawRequest(proxy.socketPath, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    expect(ip).toMatch(/^HTTP\/1.1 403/);
    expect(events).toContainEqual({ type: 'egress_blocked', host: 'evil.test', port: 80 });
    expect(events).toContainEqual({ type: 'egress_blocked', host: 'example.test', port: 443 });
    expect(events).toContainEqual({ type: 'egress_blocked', host: '127.0.0.1', port });
  });
});
