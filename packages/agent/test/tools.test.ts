import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentTool, createDefaultTools, type ToolResult } from '../src/index.ts';
import { createWorkspace, type Workspace } from './support/harness.ts';

describe('tools through the sandbox', () => {
  let ws: Workspace;
  let tools: Map<string, AgentTool>;
  const call = (name: string, args: unknown): Promise<ToolResult> => {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool.run(args, {
      signal: new AbortController().signal,
      redact: (t) => t,
      now: () => performance.now(),
    });
  };
  beforeEach(async () => {
    ws = await createWorkspace({
      'src/main.ts': 'export const a = 1;\nexport const b = 2;\nexport const a2 = 1;\n',
      'src/lib/util.ts': 'export function util() {\n  return 42;\n}\n',
      'src/lib/notes.md': '# notes\nTODO: util\n',
    });
    tools = new Map(createDefaultTools(ws.sandbox).map((t) => [t.name, t]));
  });
  afterEach(async () => {
    await ws.dispose();
  });

  it('offers JSON schemas without $schema', () => {
    const bash = tools.get('bash');
    expect(bash?.inputSchema).toMatchObject({ type: 'object', required: ['command'] });
    expect(bash?.inputSchema).not.toHaveProperty('$schema');
  });

  it('rejects paths that leave the workspace', async () => {
    for (const [name, args] of [
      ['read_file', { path: '../../etc/passwd' }],
      ['write_file', { path: '/etc/evil', content: 'x' }],
      ['edit_file', { path: 'src/../../x', old_string: 'a', new_string: 'b' }],
      ['glob', { pattern: '*', path: '..' }],
      ['grep', { pattern: 'root', path: '/etc' }],
    ] as const) {
      const result = await call(name, args);
      expect(result.isError, name).toBe(true);
      expect(result.output, name).toContain('outside the workspace');
    }
  });

  it('bash: output, exit code, stderr and timeout', async () => {
    const ok = await call('bash', { command: 'echo out; echo err >&2' });
    expect(ok).toMatchObject({ isError: false });
    expect(ok.output).toBe('out\n[stderr]\nerr\n[exit code: 0]');
    expect((await call('bash', { command: 'exit 4' })).isError).toBe(true);
    const slow = await call('bash', { command: 'sleep 5', timeout_ms: 200 });
    expect(slow.isError).toBe(true);
    expect(slow.output).toContain('timed out after 200 ms');
    expect(slow.durationMs).toBeLessThan(4000);
  });

  it('bash: long output is truncated with a note, keeping head and tail', async () => {
    const result = await call('bash', { command: 'seq 1 20000' });
    expect(result.truncated).toBe(true);
    expect(result.output.length).toBeLessThan(31_000);
    expect(result.output).toMatch(/^1\n2\n/);
    expect(result.output).toContain('characters omitted');
    expect(result.output).toContain('20000\n[exit code: 0]');
  });

  it('read_file: line numbers, offset and limit, missing files', async () => {
    expect((await call('read_file', { path: 'src/main.ts' })).output).toBe(
      '1\texport const a = 1;\n2\texport const b = 2;\n3\texport const a2 = 1;',
    );
    const part = await call('read_file', { path: 'src/main.ts', offset: 2, limit: 1 });
    expect(part.output).toContain('2\texport const b = 2;');
    expect(part.output).toContain('has 3 lines; showing 2-2. Use offset=3');
    const missing = await call('read_file', { path: 'nope.ts' });
    expect(missing).toMatchObject({ isError: true });
    expect(missing.output).toContain('File not found: nope.ts');
  });

  it('write_file creates folders', async () => {
    const result = await call('write_file', { path: 'new/dir/file.txt', content: 'a\nb\n' });
    expect(result.output).toContain('new/dir/file.txt');
    expect(await readFile(join(ws.dir, 'new/dir/file.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('edit_file: exactly one match, helpful errors otherwise', async () => {
    const many = await call('edit_file', { path: 'src/main.ts', old_string: '= 1;', new_string: '= 3;' });
    expect(many).toMatchObject({ isError: true });
    expect(many.output).toContain('occurs 2 times');
    const none = await call('edit_file', { path: 'src/main.ts', old_string: 'const   b', new_string: 'x' });
    expect(none.output).toContain('different whitespace');
    const numbered = await call('edit_file', {
      path: 'src/main.ts',
      old_string: '2\texport const b = 3;',
      new_string: 'x',
    });
    expect(numbered.output).toContain('line-number prefixes');
    const ok = await call('edit_file', {
      path: 'src/main.ts',
      old_string: 'const b = 2',
      new_string: 'const b = $&2',
    });
    expect(ok).toMatchObject({ isError: false, output: 'Edited src/main.ts at line 2.' });
    expect(await readFile(join(ws.dir, 'src/main.ts'), 'utf8')).toContain('const b = $&2;');
  });

  it('glob: ** patterns, bare names at any depth, path scoping, .git skipped', async () => {
    const ts = await call('glob', { pattern: '**/*.ts' });
    expect(ts.output.split('\n').sort()).toEqual(['src/lib/util.ts', 'src/main.ts']);
    expect((await call('glob', { pattern: '*.md' })).output).toBe('src/lib/notes.md');
    expect((await call('glob', { pattern: '*.{ts,md}', path: 'src/lib' })).output.split('\n').sort()).toEqual(
      ['src/lib/notes.md', 'src/lib/util.ts'],
    );
    expect((await call('glob', { pattern: '**/HEAD' })).output).toContain('No files match');
  });

  it('grep: path:line:text, glob filter, no match, bad regex', async () => {
    const hits = await call('grep', { pattern: 'util\\b' });
    expect(hits.output.split('\n').sort()).toEqual([
      'src/lib/notes.md:2:TODO: util',
      'src/lib/util.ts:1:export function util() {',
    ]);
    expect((await call('grep', { pattern: 'util', glob: '*.ts' })).output).toBe(
      'src/lib/util.ts:1:export function util() {',
    );
    expect((await call('grep', { pattern: 'return \\d+', path: 'src/lib/util.ts' })).output).toBe(
      'src/lib/util.ts:2:  return 42;',
    );
    expect((await call('grep', { pattern: 'nothing-like-this' })).output).toContain('No matches');
    expect((await call('grep', { pattern: '(' })).isError).toBe(true);
  });
});
