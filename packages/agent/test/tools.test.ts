import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentTool, createDefaultTools, createReadFileTool, type ToolResult } from '../src/index.ts';
import type { Sandbox } from '../src/sandbox-port.ts';
import { createWorkspace, type Workspace } from './support/harness.ts';

describe('tools through the sandbox', () => {
  let ws: Workspace;
  let tools: Map<string, AgentTool>;
  const context = () => ({
    signal: new AbortController().signal,
    redact: (t: string) => t,
    now: () => performance.now(),
  });
  const call = (name: string, args: unknown): Promise<ToolResult> => {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool.run(args, context());
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

  it('read_file and edit_file answer a device, a FIFO and a 5 GB file with errors, at once', async () => {
    const setup = await call('bash', {
      command: 'ln -sf /dev/zero big.txt && mkfifo fifo && truncate -s 5G sparse.log',
    });
    expect(setup.isError).toBe(false);
    for (const tool of ['read_file', 'edit_file']) {
      const args = (path: string) =>
        tool === 'read_file' ? { path } : { path, old_string: 'a', new_string: 'b' };
      const zero = await call(tool, args('big.txt'));
      expect(zero, tool).toMatchObject({ isError: true });
      expect(zero.output).toBe(
        `big.txt is a FIFO/device/socket, not a regular file: it cannot be ${tool === 'read_file' ? 'read' : 'edited'}.`,
      );
      expect(zero.durationMs).toBeLessThan(2000);
      const fifo = await call(tool, args('fifo'));
      expect(fifo, tool).toMatchObject({ isError: true });
      expect(fifo.output).toContain('fifo is a FIFO/device/socket, not a regular file');
      expect(fifo.durationMs).toBeLessThan(2000);
      const sparse = await call(tool, args('sparse.log'));
      expect(sparse, tool).toMatchObject({ isError: true });
      expect(sparse.output).toContain(
        `sparse.log is ${5 * 1024 ** 3} bytes; tools read at most ${8 * 1024 ** 2} bytes of a file: use bash`,
      );
      expect(sparse.output).toContain(tool === 'read_file' ? 'head, tail or sed -n' : 'sed -i');
      expect(sparse.durationMs).toBeLessThan(1000);
    }
  });

  it('read_file answers a read stopped at its timeout', async () => {
    // The real sandbox, with bounds a tool never picks: a 64 MiB file cannot be read in 1 ms.
    const inner = ws.sandbox;
    const hurried: Sandbox = {
      ...inner,
      exec: (command, options) => inner.exec(command, options),
      readFile: (path) => inner.readFile(path, { maxBytes: 64 * 1024 ** 2, timeoutMs: 1 }),
      writeFile: (path, content) => inner.writeFile(path, content),
      stop: () => inner.stop(),
    };
    expect((await call('bash', { command: 'truncate -s 64M slow.log' })).isError).toBe(false);
    const result = await createReadFileTool({ sandbox: hurried }).run({ path: 'slow.log' }, context());
    expect(result).toMatchObject({ isError: true });
    expect(result.output).toBe(
      'slow.log could not be read in time and the operation was stopped: use bash with head, tail or sed -n to read part of it.',
    );
    expect(result.durationMs).toBeLessThan(2000);
  });

  it('read_file and edit_file say when the path is a folder', async () => {
    const read = await call('read_file', { path: 'src/lib' });
    expect(read).toMatchObject({ isError: true });
    expect(read.output).toContain('src/lib is a directory');
    const edit = await call('edit_file', { path: 'src', old_string: 'a', new_string: 'b' });
    expect(edit.output).toContain('src is a directory');
  });

  it('write_file refuses content over 8 MiB, and a FIFO, with errors', async () => {
    const huge = await call('write_file', { path: 'huge.txt', content: 'x'.repeat(8 * 1024 ** 2 + 1) });
    expect(huge).toMatchObject({ isError: true });
    expect(huge.output).toContain(`content would be ${8 * 1024 ** 2 + 1} bytes; tools write at most`);
    await expect(readFile(join(ws.dir, 'huge.txt'))).rejects.toThrow(/ENOENT/);
    expect((await call('bash', { command: 'mkfifo pipe' })).isError).toBe(false);
    const fifo = await call('write_file', { path: 'pipe', content: 'x' });
    expect(fifo).toMatchObject({ isError: true });
    expect(fifo.output).toBe('pipe is a FIFO/device/socket, not a regular file: it cannot be written.');
    expect(fifo.durationMs).toBeLessThan(2000);
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
