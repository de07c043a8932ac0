import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeBenchFolder, removeListed } from './bench-folders.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'abca-bench-folders-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A folder with a file in it. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'f.txt'), 'x');
  return dir;
}

describe('bench folders', () => {
  it('a bench run on its own removes its folder at once', () => {
    const dir = folder('alone');
    removeBenchFolder(dir, undefined);
    expect(existsSync(dir)).toBe(false);
  });

  it('under the runner a removal only lists the folder; the runner removes every listed one at the end', () => {
    const list = join(root, 'remove-at-end.txt');
    const a = folder('a');
    const b = folder('b');
    removeBenchFolder(a, list);
    removeBenchFolder(b, list);
    removeBenchFolder(a, list);
    expect(existsSync(a)).toBe(true);
    expect(existsSync(b)).toBe(true);
    expect(readFileSync(list, 'utf8')).toBe(`${a}\n${b}\n${a}\n`);

    // One already gone, a relative path (never resolved against the working folder) and blanks.
    rmSync(b, { recursive: true });
    const keep = folder('relative');
    writeFileSync(list, `${readFileSync(list, 'utf8')}\n${relative(process.cwd(), keep)}\n\n`);
    expect(removeListed(list)).toBe(2);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(list)).toBe(false);
    expect(existsSync(keep)).toBe(true);
  });

  it('a run whose benches listed nothing removes nothing', () => {
    expect(removeListed(join(root, 'never-written.txt'))).toBe(0);
  });
});
