import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fake npm registry: a real HTTP server that answers what `npm ci` and `npm install` ask of the
 * public registry — packuments (`GET /<name>`: name, dist-tags, versions[v] with dependencies and
 * dist.{tarball, shasum, integrity}) and tarballs (`GET /<name>/-/<name>-<v>.tgz`), built with `tar`
 * at start from generated packages (a few hundred files, with dependencies between them), so an
 * install does real work: resolve, download, verify, unpack.
 *
 * It listens on 127.0.0.2 by default: a sandbox reaches it only through the egress proxy (the
 * sandbox's NO_PROXY names 127.0.0.1 and localhost, which would bypass the proxy and fail), with
 * the repo's allowlist naming `127.0.0.2:<port>` and the operator allowing 127.0.0.2/32.
 */
export interface FakeNpmPackage {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  /** Generated JavaScript files under lib/ (besides package.json, index.js and README.md). */
  files: number;
}

export interface PublishedPackage extends FakeNpmPackage {
  tarball: string;
  shasum: string;
  integrity: string;
}

export interface FakeNpmRegistry {
  /** `http://127.0.0.2:<port>/` (with the trailing slash, as `.npmrc` writes it). */
  url: string;
  /** `127.0.0.2:<port>`: the entry a repo's network allowlist names. */
  hostPort: string;
  host: string;
  port: number;
  packages: PublishedPackage[];
  /** Every request path served, in order (`GET /abca-core`, `GET /abca-core/-/abca-core-1.0.0.tgz`). */
  requests: string[];
  /** The repo files of a project depending on `deps` (package.json, package-lock.json, .npmrc). */
  project(name: string, deps: string[]): Record<string, string>;
  close(): Promise<void>;
}

/** A handful of packages with dependencies between them; `abca-extra` is what a lockfile change adds. */
export const DEFAULT_PACKAGES: FakeNpmPackage[] = [
  { name: 'abca-core', version: '1.2.0', files: 60 },
  { name: 'abca-util', version: '2.0.1', dependencies: { 'abca-core': '^1.0.0' }, files: 50 },
  { name: 'abca-strings', version: '0.4.0', dependencies: { 'abca-core': '^1.1.0' }, files: 40 },
  {
    name: 'abca-http',
    version: '3.1.0',
    dependencies: { 'abca-util': '^2.0.0', 'abca-strings': '~0.4.0' },
    files: 70,
  },
  { name: 'abca-cli-kit', version: '1.0.0', dependencies: { 'abca-http': '^3.0.0' }, files: 45 },
  { name: 'abca-extra', version: '1.0.0', dependencies: { 'abca-core': '^1.0.0' }, files: 30 },
];

export async function startFakeNpmRegistry(
  opts: { host?: string; packages?: FakeNpmPackage[] } = {},
): Promise<FakeNpmRegistry> {
  const host = opts.host ?? '127.0.0.2';
  const specs = opts.packages ?? DEFAULT_PACKAGES;
  const tarballs = new Map<string, Buffer>();
  const requests: string[] = [];
  let published: PublishedPackage[] = [];
  let base = '';

  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    requests.push(`${req.method} ${path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
    const tgz = tarballs.get(path);
    if (tgz) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tgz.length });
      return res.end(req.method === 'HEAD' ? undefined : tgz);
    }
    const name = path.replace(/^\//, '');
    const versions = published.filter((p) => p.name === name);
    if (versions.length === 0) return send(res, 404, { error: 'Not found' });
    return send(res, 200, packument(name, versions));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host}:${port}/`;

  const build = mkdtempSync(join(tmpdir(), 'abca-npm-registry-'));
  try {
    published = specs.map((spec) => {
      const tgz = packTarball(build, spec);
      const path = `/${spec.name}/-/${spec.name}-${spec.version}.tgz`;
      tarballs.set(path, tgz);
      return {
        ...spec,
        tarball: `${base}${path.slice(1)}`,
        shasum: createHash('sha1').update(tgz).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
      };
    });
  } finally {
    rmSync(build, { recursive: true, force: true });
  }

  return {
    url: base,
    hostPort: `${host}:${port}`,
    host,
    port,
    packages: published,
    requests,
    project: (name, deps) => projectFiles(name, deps, published, base),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The registry's document of a package (the full form, as `GET /<name>` answers it). */
function packument(name: string, versions: PublishedPackage[]) {
  const latest = versions[versions.length - 1] as PublishedPackage;
  return {
    _id: name,
    name,
    'dist-tags': { latest: latest.version },
    versions: Object.fromEntries(
      versions.map((p) => [
        p.version,
        {
          name: p.name,
          version: p.version,
          main: 'index.js',
          dependencies: p.dependencies ?? {},
          _id: `${p.name}@${p.version}`,
          dist: { tarball: p.tarball, shasum: p.shasum, integrity: p.integrity },
        },
      ]),
    ),
    time: Object.fromEntries(versions.map((p) => [p.version, '2026-01-01T00:00:00.000Z'])),
  };
}

/** A package's `.tgz` as npm publishes it: everything under `package/`. */
function packTarball(root: string, spec: FakeNpmPackage): Buffer {
  const dir = join(root, spec.name);
  const pkg = join(dir, 'package');
  mkdirSync(join(pkg, 'lib'), { recursive: true });
  const deps = Object.keys(spec.dependencies ?? {});
  writeFileSync(
    join(pkg, 'package.json'),
    `${JSON.stringify({ name: spec.name, version: spec.version, main: 'index.js', dependencies: spec.dependencies ?? {} }, null, 2)}\n`,
  );
  const lines = [`'use strict';`, ...deps.map((d, i) => `const dep${i} = require('${d}');`)];
  lines.push(
    `module.exports = { name: '${spec.name}', version: '${spec.version}', deps: [${deps.map((_, i) => `dep${i}.name`).join(', ')}], files: ${spec.files} };`,
  );
  writeFileSync(join(pkg, 'index.js'), `${lines.join('\n')}\n`);
  writeFileSync(join(pkg, 'README.md'), `# ${spec.name}\n\nA package of ABCA's fake npm registry.\n`);
  for (let i = 0; i < spec.files; i++) {
    // Some bulk per file, different in each, so unpacking and copying have bytes to move.
    const body = Array.from(
      { length: 40 },
      (_, j) => `exports.f${j} = (x) => x * ${i + 1} + ${j}; // ${spec.name} ${i}:${j}`,
    );
    writeFileSync(join(pkg, 'lib', `part-${i}.js`), `'use strict';\n${body.join('\n')}\n`);
  }
  const file = join(dir, 'out.tgz');
  execFileSync('tar', [
    '-czf',
    file,
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-C',
    dir,
    'package',
  ]);
  return readFileSync(file);
}

/**
 * A project whose dependencies are `deps` (and what they need), locked: package.json,
 * package-lock.json (lockfile v3, every package resolved to this registry with its integrity) and
 * an .npmrc pointing npm at the registry, without audit, fund or update checks (no other host).
 */
function projectFiles(
  name: string,
  deps: string[],
  published: PublishedPackage[],
  base: string,
): Record<string, string> {
  const byName = new Map(published.map((p) => [p.name, p]));
  const needed = new Set<string>();
  const visit = (dep: string) => {
    if (needed.has(dep)) return;
    const p = byName.get(dep);
    if (!p) throw new Error(`the fake registry has no package ${dep}`);
    needed.add(dep);
    for (const d of Object.keys(p.dependencies ?? {})) visit(d);
  };
  for (const d of deps) visit(d);
  const direct = Object.fromEntries(deps.map((d) => [d, `^${byName.get(d)?.version}`]));
  const lockPackages: Record<string, unknown> = {
    '': { name, version: '1.0.0', dependencies: direct },
  };
  for (const dep of [...needed].sort()) {
    const p = byName.get(dep) as PublishedPackage;
    lockPackages[`node_modules/${dep}`] = {
      version: p.version,
      resolved: p.tarball,
      integrity: p.integrity,
      ...(p.dependencies && Object.keys(p.dependencies).length ? { dependencies: p.dependencies } : {}),
    };
  }
  return {
    'package.json': `${JSON.stringify({ name, version: '1.0.0', private: true, dependencies: direct }, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify({ name, version: '1.0.0', lockfileVersion: 3, requires: true, packages: lockPackages }, null, 2)}\n`,
    '.npmrc': `registry=${base}\naudit=false\nfund=false\nupdate-notifier=false\n`,
    '.gitignore': 'node_modules/\n',
  };
}
