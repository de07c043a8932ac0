import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { EnvKey, EnvKeyInput } from '../ports/env-cache.ts';

/**
 * The files whose content says which dependencies a setup installs, per ecosystem, at the repo's
 * root (a repo names others, such as a nested package's lockfile, in `env_cache.key_files`).
 */
export const DEFAULT_KEY_FILES = [
  // JavaScript
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'yarn.lock',
  '.yarnrc.yml',
  'bun.lockb',
  'bun.lock',
  '.npmrc',
  '.nvmrc',
  '.node-version',
  // Python
  'pyproject.toml',
  'poetry.lock',
  'uv.lock',
  'Pipfile',
  'Pipfile.lock',
  'setup.py',
  'setup.cfg',
  '.python-version',
  // Go, Rust, Ruby, PHP, Java
  'go.mod',
  'go.sum',
  'Cargo.toml',
  'Cargo.lock',
  'rust-toolchain',
  'rust-toolchain.toml',
  'Gemfile',
  'Gemfile.lock',
  '.ruby-version',
  'composer.json',
  'composer.lock',
  'pom.xml',
  'build.gradle',
  'build.gradle.kts',
  'gradle.lockfile',
  // Version managers
  '.tool-versions',
  'mise.toml',
];

/** Root files matched by pattern (`requirements.txt`, `requirements-dev.txt`, ...). */
const KEY_FILE_PATTERNS = [/^requirements[\w.-]*\.txt$/, /^constraints[\w.-]*\.txt$/];

/** A key file larger than this is keyed by its size and a marker, not read (a lockfile is far smaller). */
export const KEY_FILE_MAX_BYTES = 32 * 1024 * 1024;
/** Root entries scanned for pattern matches; a root with more is keyed by the defaults alone. */
const ROOT_SCAN_MAX = 10_000;

/**
 * The key of a workspace's environment: the repo, the setup command, the sandbox (backend and what
 * of the host it sees) and the sha256 of each key file present. Key files are read from the host's
 * workspace folder as untrusted data: only regular files inside the workspace (a symlink, or a path
 * through one, is keyed as such and never followed), at most {@link KEY_FILE_MAX_BYTES} each.
 */
export async function computeEnvKey(input: EnvKeyInput, sandbox: string): Promise<EnvKey> {
  const paths = new Set([...DEFAULT_KEY_FILES, ...(input.extraKeyFiles ?? [])]);
  for (const name of await rootMatches(input.workspaceDir)) paths.add(name);
  const keyFiles: EnvKey['keyFiles'] = [];
  for (const path of [...paths].sort()) {
    const sha256 = await keyFileDigest(input.workspaceDir, path);
    if (sha256) keyFiles.push({ path, sha256 });
  }
  const family = digest({ v: 1, repo: input.repo, setup: input.setupCommand, sandbox });
  const key = digest({ v: 1, family, files: keyFiles.map((f) => [f.path, f.sha256]) });
  return {
    key,
    family,
    repo: input.repo,
    setupCommand: input.setupCommand,
    sandbox,
    keyFiles,
    extraKeyFiles: [...(input.extraKeyFiles ?? [])],
  };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

async function rootMatches(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    const names = await readdir(dir);
    if (names.length > ROOT_SCAN_MAX) return out;
    for (const n of names) if (KEY_FILE_PATTERNS.some((re) => re.test(n))) out.push(n);
  } catch {
    // No workspace: no key files.
  }
  return out;
}

/**
 * The digest of one key file, or undefined when absent. What is not a plain regular file inside the
 * workspace gets a digest naming what it is (so it still changes the key, and nothing is followed).
 */
export async function keyFileDigest(root: string, path: string): Promise<string | undefined> {
  if (path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '.' || p === ''))
    return undefined;
  const parts = path.split('/');
  // Every folder on the way must be a real folder: a symlinked folder could lead out of the workspace.
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (!st) return undefined;
    if (!st.isDirectory()) return marker(st.isSymbolicLink() ? 'symlinked-folder' : 'not-a-folder');
  }
  const file = join(root, path);
  const st = await lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return marker('symlink');
  if (!st.isFile()) return marker('not-a-file');
  if (st.size > KEY_FILE_MAX_BYTES) return marker(`too-large:${st.size}:${st.mtimeMs}`);
  // O_NOFOLLOW: a file swapped for a symlink since the check is refused, not followed.
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (!fh) return marker('unreadable');
  try {
    const real = await realpath(file).catch(() => '');
    const rootReal = await realpath(root).catch(() => root);
    if (!real.startsWith(rootReal + sep)) return marker('outside');
    const hash = createHash('sha256');
    const buf = Buffer.alloc(64 * 1024);
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > KEY_FILE_MAX_BYTES) return marker('too-large');
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

const marker = (what: string) => `!${what}`;
