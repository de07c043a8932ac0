import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from '@abca/sandbox';

/** Most top-level paths one snapshot holds (git collapses a wholly untracked folder into one). */
export const MAX_ENTRIES = 20_000;
const LIST_MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * A path the sandbox reported, checked as untrusted data: relative, no `.` or `..` parts, not in
 * `.git`, without control characters. A trailing `/` (a folder) is dropped.
 */
export function safeEntry(raw: string): string | undefined {
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (!path || path.length > 4096 || path.startsWith('/')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f]/.test(path)) return undefined;
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  if (parts[0] === '.git') return undefined;
  return path;
}

export type ListedEntries =
  | { ok: true; entries: string[] }
  | { ok: false; reason: 'too_large' | 'error'; detail: string };

/**
 * What setup produced: the paths git ignores or does not track, listed by git inside the sandbox
 * (never on the host: the repo's own git config may run commands), a wholly untracked folder as one.
 */
export async function listUntracked(sandbox: Sandbox, signal?: AbortSignal): Promise<ListedEntries> {
  const res = await sandbox.exec('git ls-files -z --others --directory', {
    timeoutMs: 120_000,
    maxOutputBytes: LIST_MAX_OUTPUT,
    ...(signal ? { signal } : {}),
  });
  if (res.truncated) return { ok: false, reason: 'too_large', detail: 'too many untracked paths' };
  if (res.exitCode !== 0)
    return { ok: false, reason: 'error', detail: `git ls-files failed: ${res.stderr.trim().slice(0, 300)}` };
  const raw = res.stdout.split('\0').filter(Boolean);
  if (raw.length > MAX_ENTRIES)
    return { ok: false, reason: 'too_large', detail: `more than ${MAX_ENTRIES} untracked paths` };
  const entries: string[] = [];
  for (const r of raw) {
    const e = safeEntry(r);
    if (!e)
      return {
        ok: false,
        reason: 'error',
        detail: `an untracked path ABCA does not take: ${JSON.stringify(r.slice(0, 200))}`,
      };
    entries.push(e);
  }
  return { ok: true, entries: entries.sort() };
}

/** Whether every folder above `entry` in `root` is a real folder or absent (a symlinked one could lead out). */
export async function parentsAreFolders(root: string, entry: string): Promise<boolean> {
  let at = root;
  for (const part of entry.split('/').slice(0, -1)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (!st) return true;
    if (!st.isDirectory()) return false;
  }
  return true;
}

export type Measured =
  | { ok: true; files: number; bytes: number }
  | { ok: false; reason: 'too_large' | 'unsupported_file' | 'missing'; detail: string };

/**
 * Counts the entries under `root` without following a symlink: files (regular files and symlinks)
 * and bytes (of regular files). Stops at the first thing over the limits, or that is not a file,
 * folder or symlink (a FIFO, a socket, a device: never copied into the cache).
 */
export async function measure(
  root: string,
  entries: string[],
  limits: { maxFiles: number; maxBytes: number },
): Promise<Measured> {
  let files = 0;
  let bytes = 0;
  const over = (): Measured | undefined =>
    files > limits.maxFiles
      ? { ok: false, reason: 'too_large', detail: `more than ${limits.maxFiles} files` }
      : bytes > limits.maxBytes
        ? { ok: false, reason: 'too_large', detail: `more than ${limits.maxBytes} bytes` }
        : undefined;
  const visit = async (path: string, rel: string): Promise<Measured | undefined> => {
    const st = await lstat(path).catch(() => undefined);
    if (!st) return { ok: false, reason: 'missing', detail: `${rel} is missing` };
    if (st.isSymbolicLink()) {
      files += 1;
      return over();
    }
    if (st.isFile()) {
      files += 1;
      bytes += st.size;
      return over();
    }
    if (!st.isDirectory())
      return { ok: false, reason: 'unsupported_file', detail: `${rel} is not a file, folder or symlink` };
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      return { ok: false, reason: 'missing', detail: `${rel}: ${(err as Error).message}` };
    }
    for (const name of names) {
      const bad = await visit(join(path, name), `${rel}/${name}`);
      if (bad) return bad;
    }
    return undefined;
  };
  for (const e of entries) {
    const bad = await visit(join(root, e), e);
    if (bad) return bad;
  }
  return { ok: true, files, bytes };
}
