import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';

/** What of the host a sandbox sees that changes what an install produces. */
const OS_RELEASE = ['/usr/lib/os-release', '/etc/os-release'];
/** The toolchains an install runs, looked up where the sandbox's PATH looks (/usr is bound read-only). */
const TOOLS = [
  'node',
  'npm',
  'npx',
  'corepack',
  'pnpm',
  'yarn',
  'bun',
  'python3',
  'pip3',
  'uv',
  'poetry',
  'go',
  'cargo',
  'rustc',
  'ruby',
  'bundle',
  'php',
  'composer',
  'java',
  'gcc',
  'make',
];
const BIN_DIRS = ['/usr/local/bin', '/usr/bin'];

/**
 * The sandbox's identity in the key: the backend's kind and a digest of what it sees of the host
 * that changes installs. Both backends run the host's own `/usr` (bubblewrap binds it read-only),
 * so that is the OS release and each toolchain binary an install may run (its resolved path, size
 * and modification time: an upgrade of node or python changes it). Cheap (a few dozen `stat`s):
 * computed for every key, so an upgrade under a running platform changes keys at once.
 */
export async function hostSandboxIdentity(kind: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of OS_RELEASE) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      hash.update(`${file}\n${text.slice(0, 64 * 1024)}\n`);
      break;
    }
  }
  for (const tool of TOOLS) {
    for (const dir of BIN_DIRS) {
      const path = `${dir}/${tool}`;
      const real = await realpath(path).catch(() => undefined);
      if (!real) continue;
      const st = await stat(real).catch(() => undefined);
      if (st) hash.update(`${tool} ${real} ${st.size} ${Math.floor(st.mtimeMs)}\n`);
      break;
    }
  }
  return `${kind}:${hash.digest('hex').slice(0, 16)}`;
}
