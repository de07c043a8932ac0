import type { HtmlEscapedString } from 'hono/utils/html';
import { h } from './markup.ts';

/** Lines of a diff the page shows; the rest is a link to the whole diff. */
export const MAX_DIFF_LINES = 4000;

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'ctx' | 'meta';

/** What a line of a unified diff is, from its first characters. */
export function diffLineKind(line: string, inHunk: boolean): DiffLineKind {
  if (line.startsWith('diff --git ') || (!inHunk && (line.startsWith('--- ') || line.startsWith('+++ '))))
    return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (!inHunk) return 'meta';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}

/**
 * Light token colouring of one line of code: strings, comments, numbers and common keywords of
 * the C-like and scripting languages. Not a parser: a line is coloured on its own. Every piece is
 * outside text and passes through `h` (escaped).
 */
const TOKEN =
  /("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`(?:[^`\\]|\\.)*`?)|(\/\/.*$|#(?![![{]).*$|\/\*.*?(?:\*\/|$)|--\s.*$)|\b(\d[\d_]*(?:\.\d+)?)\b|\b(async|await|break|case|catch|class|const|continue|def|default|do|elif|else|enum|export|extends|false|fn|for|from|func|function|if|impl|import|in|interface|let|match|new|nil|None|null|package|pub|return|self|static|struct|switch|this|throw|true|True|False|try|type|typeof|undefined|use|var|while|with|yield)\b/g;

export function colourCode(code: string): (string | HtmlEscapedString)[] {
  const out: (string | HtmlEscapedString)[] = [];
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) out.push(code.slice(last, at));
    const cls = m[1] ? 't-str' : m[2] ? 't-com' : m[3] ? 't-num' : 't-kw';
    out.push(h`<span class="${cls}">${m[0]}</span>`);
    last = at + m[0].length;
  }
  if (last < code.length) out.push(code.slice(last));
  return out;
}

/**
 * A unified diff as escaped markup: one `<span class="dl d-<kind>">` per line (file headers, hunks,
 * added, removed, context), the code of added/removed/context lines coloured lightly. Cut at
 * {@link MAX_DIFF_LINES} lines with a note saying where the whole diff is.
 */
export function renderDiff(diff: string, opts: { fullUrl: string }): HtmlEscapedString {
  const lines = diff.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, MAX_DIFF_LINES);
  let inHunk = false;
  const rows = shown.map((line) => {
    if (line.startsWith('diff --git ')) inHunk = false;
    const kind = diffLineKind(line, inHunk);
    if (kind === 'hunk') inHunk = true;
    if (kind === 'add' || kind === 'del' || kind === 'ctx') {
      return h`<span class="dl d-${kind}"><span class="dm">${line.slice(0, 1) || ' '}</span>${colourCode(line.slice(1))}</span>\n`;
    }
    return h`<span class="dl d-${kind}">${line}</span>\n`;
  });
  const cut =
    lines.length > shown.length
      ? h`<p class="notice">The diff has ${lines.length} lines; the first ${MAX_DIFF_LINES} are shown. <a href="${opts.fullUrl}">The whole diff</a>.</p>`
      : '';
  return h`<pre class="diff">${rows}</pre>${cut}`;
}
