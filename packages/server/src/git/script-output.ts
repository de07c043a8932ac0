import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A host folder where a fixed git script ({@link GitCli.script}) writes what its steps print, each
 * cut at a fixed size by the script (`head -c`); read back bounded, removed when `use` returns.
 */
export async function withScriptOutput<T>(
  use: (out: string, read: (name: string, maxBytes: number) => Promise<Buffer>) => Promise<T>,
): Promise<T> {
  const out = await mkdtemp(join(tmpdir(), 'abca-git-script-'));
  try {
    return await use(out, (name, maxBytes) => readCapped(join(out, name), maxBytes));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** At most `max` bytes of `file` (nothing when it is not there). */
async function readCapped(file: string, max: number): Promise<Buffer> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    while (n < max) {
      const { bytesRead } = await fh.read(buf, n, max - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
