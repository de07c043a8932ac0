import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A host folder where a fixed git script ({@link GitCli.script}) writes what its steps print, each
 * cut at a fixed size by the script (`head -c`); read back bounded, removed when `use` returns.
 */
export async function withScriptOutput<T>(
  use: (
    out: string,
    read: (name: string, maxBytes: number, from?: 'start' | 'end') => Promise<Buffer>,
  ) => Promise<T>,
): Promise<T> {
  const out = await mkdtemp(join(tmpdir(), 'abca-git-script-'));
  try {
    return await use(out, (name, maxBytes, from = 'start') => readCapped(join(out, name), maxBytes, from));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** At most `max` bytes of `file`, its first or its last (nothing when it is not there). */
async function readCapped(file: string, max: number, from: 'start' | 'end'): Promise<Buffer> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const size = (await fh.stat()).size;
    const start = from === 'end' ? Math.max(0, size - max) : 0;
    const buf = Buffer.alloc(Math.min(max, size));
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, start + n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
