import { describe, expect, it } from 'vitest';
import { colourCode, diffLineKind, renderDiff } from './diff.ts';

const DIFF = `diff --git a/src/app.ts b/src/app.ts
index 1111111..2222222 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,3 +1,3 @@
 const a = 1;
-const greeting = "hello";
+const greeting = "<script>alert(1)</script>"; // say hi
 export { a };
`;

describe('diff rendering', () => {
  it('classes each line as file header, hunk, added, removed or context', () => {
    const out = renderDiff(DIFF, { fullUrl: '/v1/tasks/x/diff?format=raw' }).toString();
    expect(out).toContain('<span class="dl d-file">diff --git a/src/app.ts b/src/app.ts</span>');
    expect(out).toContain('<span class="dl d-file">--- a/src/app.ts</span>');
    expect(out).toContain('<span class="dl d-meta">index 1111111..2222222 100644</span>');
    expect(out).toContain('<span class="dl d-hunk">@@ -1,3 +1,3 @@</span>');
    expect(out.match(/class="dl d-add"/g)).toHaveLength(1);
    expect(out.match(/class="dl d-del"/g)).toHaveLength(1);
    expect(out.match(/class="dl d-ctx"/g)).toHaveLength(2);
  });

  it('escapes the code and colours its tokens', () => {
    const out = renderDiff(DIFF, { fullUrl: '/x' }).toString();
    expect(out).not.toContain('<script>');
    expect(out).toContain('<span class="t-str">&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span>');
    expect(out).toContain('<span class="t-kw">const</span>');
    expect(out).toContain('<span class="t-com">// say hi</span>');
    expect(out).toContain('<span class="t-num">1</span>');
  });

  it('a line starting like a header inside a hunk is code, and a long diff is cut with a link', () => {
    expect(diffLineKind('--- x', true)).toBe('del');
    expect(diffLineKind('+++ y', true)).toBe('add');
    const long = `diff --git a/f b/f\n@@ -1 +1 @@\n${'+x\n'.repeat(5000)}`;
    const out = renderDiff(long, { fullUrl: '/v1/tasks/T/diff?format=raw' }).toString();
    expect(out.match(/class="dl d-add"/g)).toHaveLength(3998);
    expect(out).toContain('href="/v1/tasks/T/diff?format=raw"');
  });

  it('colours nothing in plain words, and keeps every character', () => {
    const parts = colourCode('plain words & <b>');
    expect(parts.join('')).toBe('plain words & <b>');
  });
});
