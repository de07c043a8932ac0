import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryExportLine, MemoryRecord } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca memory ...` as real child processes against `abca serve` (real HTTP, real PostgreSQL):
 * people list, read, add, edit, pin, forget, export and import a repo's memory; other people's text
 * is printed with its control characters as `?`; refusals have their exit codes.
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);
const idOf = (stdout: string) => /(mem_[0-9A-Z]{26})/.exec(stdout)?.[1] as string;

beforeAll(async () => {
  served = await startServe({ DATABASE_URL: await createTestDatabase('cli') });
  env = { ABCA_HOME: served.home };
  for (const repo of ['acme/app', 'acme/copy']) {
    const added = await abca('repos', 'add', repo, '--forge', 'fake');
    expect(added.code, added.stderr).toBe(0);
  }
});
afterAll(async () => {
  if (served) expect(await served.stop()).toBe(0);
});

describe('abca memory', () => {
  it('adds, lists, shows, edits, pins and forgets a record', async () => {
    const added = await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'review_rule',
      '--category',
      'style',
      '--title',
      'Use the repo logger',
      '--body',
      'Log with src/log.ts, never console.log.',
      '--cite',
      'src/log.ts:12',
      '--cite',
      'docs/logging.md',
      '--pin',
    );
    expect(added.code, added.stderr).toBe(0);
    const id = idOf(added.stdout);
    expect(added.stdout).toContain('pinned');

    const list = await abca('memory', 'list', 'acme/app');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+review_rule\\s+Use the repo logger\\s+0\\s+pinned`));
    const json = await abca('memory', 'list', 'acme/app', '--kind', 'review_rule', '--json');
    const listed = MemoryRecord.array().parse(JSON.parse(json.stdout));
    expect(listed.map((r) => r.id)).toEqual([id]);
    expect((await abca('memory', 'list', 'acme/app', '--kind', 'episode')).stdout).toContain(
      'No memory records match.',
    );
    expect((await abca('memory', 'list', 'acme/app', '--search', 'logger')).stdout).toContain(id);
    expect((await abca('memory', 'list', 'acme/app', '--search', 'database')).stdout).toContain(
      'No memory records match.',
    );

    const shown = await abca('memory', 'show', 'acme/app', id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Log with src/log.ts, never console.log.');
    expect(shown.stdout).toContain('src/log.ts:12');
    expect(shown.stdout).toContain('docs/logging.md');
    expect(shown.stdout).toMatch(/From\s+person, by admin/);

    const edited = await abca('memory', 'edit', 'acme/app', id, '--body', 'Log with src/log.ts.');
    expect(edited.code, edited.stderr).toBe(0);
    const after = MemoryRecord.parse(
      JSON.parse((await abca('memory', 'show', 'acme/app', id, '--json')).stdout),
    );
    expect(after).toMatchObject({ body: 'Log with src/log.ts.', title: 'Use the repo logger', pinned: true });
    expect((await abca('memory', 'unpin', 'acme/app', id)).stdout).toContain(`Unpinned ${id}`);
    expect((await abca('memory', 'pin', 'acme/app', id)).stdout).toContain(`Pinned ${id}`);

    const forgot = await abca('memory', 'forget', 'acme/app', id);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toContain(`Forgot ${id}`);
    const gone = await abca('memory', 'show', 'acme/app', id);
    expect(gone.code).toBe(5);
    expect(gone.stderr).toContain('Error MEMORY_NOT_FOUND');
  });

  it("prints other people's text with its control characters as ?", async () => {
    const added = await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'repo_knowledge',
      '--title',
      'Title \u001b]0;owned\u0007 here',
      '--body',
      'Line one\n\u001b[2J\u001b[31mred\u001b[0m',
      '--cite',
      'src/\u001b[1mx.ts:3',
    );
    expect(added.code, added.stderr).toBe(0);
    const id = idOf(added.stdout);
    for (const args of [
      ['show', 'acme/app', id],
      ['list', 'acme/app'],
    ]) {
      const res = await abca('memory', ...args);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).not.toContain('\u001b');
      expect(res.stdout).not.toContain('\u0007');
    }
    const shown = (await abca('memory', 'show', 'acme/app', id)).stdout;
    expect(shown).toContain('?[2J?[31mred?[0m');
    expect(shown).toContain('src/?[1mx.ts:3');
  });

  it('exports to a file and imports it into another repo once; a bad line stores nothing', async () => {
    await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'review_rule',
      '--title',
      'Early returns',
      '--body',
      'Prefer them.',
    );
    const exported = await abca('memory', 'export', 'acme/app');
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout
      .trimEnd()
      .split('\n')
      .map((l) => MemoryExportLine.parse(JSON.parse(l)));
    expect(lines.map((l) => l.title)).toContain('Early returns');
    const file = join(served.home, 'acme-app.jsonl');
    writeFileSync(file, exported.stdout);

    const imported = await abca('memory', 'import', 'acme/copy', file);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Imported ${lines.length} of ${lines.length} records into acme/copy.`);
    const again = await runCli(
      ['memory', 'import', 'acme/copy', '-', '--json'],
      env,
      45_000,
      readFileSync(file, 'utf8'),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ lines: lines.length, added: 0, skipped: lines.length });

    const bad = join(served.home, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ ...lines[0], title: 'A new one' })}\n${JSON.stringify({ ...lines[0], title: '' })}\n`,
    );
    const refused = await abca('memory', 'import', 'acme/copy', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Error VALIDATION_ERROR');
    expect(refused.stderr).toContain('line.2.title');
    expect((await abca('memory', 'list', 'acme/copy', '--search', 'new')).stdout).toContain(
      'No memory records match.',
    );

    const missing = await abca('memory', 'import', 'acme/copy', join(served.home, 'nope.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.jsonl: ENOENT/);
  });

  it('refuses with the exit codes of docs/cli.md', async () => {
    const unknownRepo = await abca('memory', 'list', 'acme/nope');
    expect(unknownRepo.code).toBe(2);
    expect(unknownRepo.stderr).toContain('Error REPO_NOT_ONBOARDED');
    const badId = await abca('memory', 'show', 'acme/app', 'task_1');
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/Invalid id/);
    const badKind = await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'secret',
      '--title',
      't',
      '--body',
      'b',
    );
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/repo_knowledge/);
    const episode = await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'episode',
      '--title',
      't',
      '--body',
      'b',
    );
    expect(episode.code).toBe(2);
    expect(episode.stderr).toMatch(/episodes are written by ABCA/);
    const badCite = await abca(
      'memory',
      'add',
      'acme/app',
      '--kind',
      'review_rule',
      '--title',
      't',
      '--body',
      'b',
      '--cite',
      'a.ts:0',
    );
    expect(badCite.code).toBe(2);
    const nothing = await abca('memory', 'edit', 'acme/app', 'mem_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to change/);

    const rule = idOf(
      (await abca('memory', 'add', 'acme/app', '--kind', 'review_rule', '--title', 'Kept', '--body', 'Kept.'))
        .stdout,
    );
    const key = await abca('keys', 'create', 'dev', '--user', 'dev', '--role', 'member');
    expect(key.code, key.stderr).toBe(0);
    const member = { ...env, ABCA_API_KEY: key.stdout.trim() };
    expect((await runCli(['memory', 'show', 'acme/app', rule], member)).code).toBe(0);
    const forget = await runCli(['memory', 'forget', 'acme/app', rule], member);
    expect(forget.code).toBe(4);
    const pref = await runCli(
      [
        'memory',
        'add',
        'acme/app',
        '--kind',
        'user_preference',
        '--title',
        'Tabs',
        '--body',
        'Indent with tabs.',
      ],
      member,
    );
    expect(pref.code, pref.stderr).toBe(0);
    expect((await runCli(['memory', 'forget', 'acme/app', idOf(pref.stdout)], member)).code).toBe(0);
  });
});
