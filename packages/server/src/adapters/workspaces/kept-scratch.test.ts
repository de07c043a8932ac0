import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkCapture } from '../../ports/workspaces.ts';
import { createKeptScratches } from './kept-scratch.ts';

const root = mkdtempSync(join(tmpdir(), 'abca-kept-scratch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REF = 'refs/abca/work';
let n = 0;
/** A capture and a folder holding its head at REF, as a capture's check leaves it. */
function checked(head = `${(n + 1).toString(16).padStart(2, '0')}`.repeat(20)) {
  const dir = join(root, `work-${n++}`);
  mkdirSync(join(dir, 'refs', 'abca'), { recursive: true });
  writeFileSync(join(dir, REF), `${head}\n`);
  const capture: WorkCapture = { head, bundle: Buffer.from('b'), commits: [] };
  return { dir, capture };
}

describe('scratch repositories kept for the push', () => {
  it('hands a folder over once, for the same capture object, branch and base', async () => {
    const kept = createKeptScratches();
    const a = checked();
    await kept.keep(a.capture, { dir: a.dir, branch: 'b', baseCommit: 'base' });
    expect(await kept.take({ ...a.capture }, 'b', 'base', REF)).toBeUndefined();
    expect(await kept.take(a.capture, 'b', 'base', REF)).toBe(a.dir);
    expect(await kept.take(a.capture, 'b', 'base', REF)).toBeUndefined();
    // Asked for another branch or base: not used, and gone.
    for (const [branch, base] of [
      ['other', 'base'],
      ['b', 'other'],
    ] as const) {
      const c = checked();
      await kept.keep(c.capture, { dir: c.dir, branch: 'b', baseCommit: 'base' });
      expect(await kept.take(c.capture, branch, base, REF)).toBeUndefined();
      expect(existsSync(c.dir)).toBe(false);
    }
  });

  it('does not use a folder kept too long, nor one evicted by newer ones', async () => {
    let now = 0;
    const kept = createKeptScratches({ now: () => now });
    const old = checked();
    await kept.keep(old.capture, { dir: old.dir, branch: 'b', baseCommit: 'base' });
    now += 10 * 60_000 + 1;
    expect(await kept.take(old.capture, 'b', 'base', REF)).toBeUndefined();
    expect(existsSync(old.dir)).toBe(false);
    const all = Array.from({ length: 33 }, () => checked());
    for (const c of all) await kept.keep(c.capture, { dir: c.dir, branch: 'b', baseCommit: 'base' });
    // At most 32 stay on disk: the first one went.
    expect(existsSync(all[0]?.dir as string)).toBe(false);
    expect(await kept.take(all[0]?.capture as WorkCapture, 'b', 'base', REF)).toBeUndefined();
    expect(await kept.take(all[32]?.capture as WorkCapture, 'b', 'base', REF)).toBe(all[32]?.dir);
  });
});
