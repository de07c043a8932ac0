import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_DIST } from '../scripts/build.mjs';

/**
 * The compiled server (dist/server/, what `abca serve`, `abca worker` and the process tests start)
 * loads the model SDKs (`ai`, `@ai-sdk/*`) and Slack's only when it needs them: a platform of the
 * fake agent, or one without Slack, starts without them (0.15–0.25 s less CPU a start).
 */
const LAZY = /^(ai|@ai-sdk\/.*|@slack\/web-api)$/;

/** What a module of dist/server/ imports statically, and the chunks it may import() later. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const source = readFileSync(join(SERVER_DIST, file), 'utf8');
  const fromClause = /^(?:import|export)\s[^;]*?\bfrom\s*"([^"]+)";/gm;
  const bare = /^import\s*"([^"]+)";/gm;
  const dynamic = /\bimport\("(\.\/[^"]+)"\)/g;
  return {
    static: [...source.matchAll(fromClause), ...source.matchAll(bare)].map((m) => m[1] as string),
    dynamic: [...source.matchAll(dynamic)].map((m) => m[1] as string),
  };
}

/** Every module loaded with `entry` (its static imports, followed through the chunks). */
function loadedWith(entry: string): { packages: Set<string>; later: Set<string> } {
  const packages = new Set<string>();
  const later = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { static: imports, dynamic } = importsOf(file);
    for (const d of dynamic) later.add(d.slice(2));
    for (const i of imports) {
      if (i.startsWith('./')) visit(i.slice(2));
      else packages.add(i);
    }
  };
  visit(entry);
  for (const f of seen) later.delete(f);
  return { packages, later };
}

describe('the compiled server', () => {
  it('starts without the model SDKs and Slack’s, and loads them when a model or Slack is used', () => {
    const start = loadedWith('index.js');
    // What every start loads (a sanity check of the walk itself).
    expect(start.packages).toContain('@dbos-inc/dbos-sdk');
    expect(start.packages).toContain('pg');
    expect([...start.packages].filter((p) => LAZY.test(p))).toEqual([]);
    // The agent's model side is a chunk of its own, loaded by import() (ops/agent-module.ts).
    const later = [...start.later].flatMap((f) => [...loadedWith(f).packages]);
    expect(later).toContain('ai');
    expect(later).toContain('@ai-sdk/anthropic');
    // Slack's SDK is CommonJS, required by the first Slack client made (channels/slack/client.ts).
    expect(readFileSync(join(SERVER_DIST, 'index.js'), 'utf8')).toMatch(/\("@slack\/web-api"\)/);
  });
});
