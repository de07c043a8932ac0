import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalBackend, type SandboxEvent } from '../src/index.ts';

describe('local backend', () => {
  const root = mkdtempSync(join(tmpdir(), 'abca-local-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('warns loudly through log and a warning event', async () => {
    const logs: string[] = [];
    const events: SandboxEvent[] = [];
    const backend = createLocalBackend({ log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/NO isolation/);
    const sandbox = await backend.create({ taskId: 'w', workspaceDir: root, onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: 'warning' });
    await sandbox.stop();
  });

  it('refuses file access that resolves outside the workspace', async () => {
    const secret = join(root, '..', `abca-local-secret-${process.pid}.txt`);
    writeFileSync(secret, 'secret');
    const workspace = mkdtempSync(join(root, 'ws-'));
    symlinkSync(secret, join(workspace, 'leak.txt'));
    const sandbox = await createLocalBackend({ log: () => {} }).create({
      taskId: 'f',
      workspaceDir: workspace,
    });
    try {
      await expect(sandbox.readFile('leak.txt')).rejects.toThrow(/outside/);
      await expect(sandbox.readFile(secret)).rejects.toThrow(/outside/);
      await expect(sandbox.writeFile('leak.txt', 'x')).rejects.toThrow();
      await expect(sandbox.writeFile('../escape.txt', 'x')).rejects.toThrow(/outside/);
    } finally {
      await sandbox.stop();
      rmSync(secret, { force: true });
    }
  });
});
