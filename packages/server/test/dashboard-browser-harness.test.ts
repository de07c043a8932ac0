import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumPath, screenshotDir } from './support/browser.ts';

/**
 * The browser tests' harness, without a browser: which Chromium it runs (ABCA_TEST_CHROMIUM, else
 * `chromium` on the PATH) and that it says how to fix a missing one; and that screenshots are
 * written only when ABCA_SCREENSHOTS asks, relative to the repository.
 */
describe('browser test harness', () => {
  it('runs ABCA_TEST_CHROMIUM when set, and says what is wrong with a bad one', () => {
    expect(chromiumPath({ ABCA_TEST_CHROMIUM: process.execPath })).toBe(process.execPath);
    expect(() => chromiumPath({ ABCA_TEST_CHROMIUM: '/nonexistent/chromium' })).toThrow(
      /ABCA_TEST_CHROMIUM=\/nonexistent\/chromium is not an executable/,
    );
  });

  it('finds chromium on the PATH first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'abca-chromium-'));
    const bin = join(dir, 'chromium');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    expect(chromiumPath({ PATH: `/nonexistent:${dir}` })).toBe(bin);
  });

  it('writes screenshots only when asked, relative to the repository', () => {
    expect(screenshotDir({})).toBeUndefined();
    expect(screenshotDir({ ABCA_SCREENSHOTS: ' ' })).toBeUndefined();
    const root = resolve(import.meta.dirname, '../../..');
    expect(screenshotDir({ ABCA_SCREENSHOTS: 'docs/images' })).toBe(join(root, 'docs/images'));
    expect(screenshotDir({ ABCA_SCREENSHOTS: '/tmp/pictures' })).toBe('/tmp/pictures');
  });
});
