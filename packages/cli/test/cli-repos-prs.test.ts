import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeRequestInfo, PrComment, PrReview, RepoInfo, TaskDetail, TaskDiff } from '@abca/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.ts';
import { type CliResult, runCli, type Served, startServe } from './support/cli.ts';

/**
 * `abca repos add/update/show` with every setting, and `abca prs list/show/diff`, as real child
 * processes against a real `abca serve` (fake agent, fake notifier, fresh database).
 */
let served: Served;
let env: Record<string, string>;
const abca = (...args: string[]) => runCli(args, env);
const NO_TASK = '01J9Z3K8Q2W5V7X1Y4T6R8N0MB';

beforeAll(async () => {
  served = await startServe({
    DATABASE_URL: await createTestDatabase('cli_prs'),
    ABCA_AGENT_RUNTIME: 'fake',
    ABCA_NOTIFIER: 'fake',
    // A repo's model may only name a provider the platform is configured for.
    ANTHROPIC_API_KEY: 'sk-ant-cli-test',
    OPENAI_API_KEY: 'sk-openai-cli-test',
  });
  env = { ABCA_HOME: served.home };
});

afterAll(async () => {
  if (!served) return;
  expect(await served.stop()).toBe(0);
});

const EVERY_SETTING = [
  '--default-branch',
  'trunk',
  '--setup-command',
  'npm ci',
  '--build-command',
  'npm run build',
  '--test-command',
  'npm test -- --run',
  '--lint-command',
  'npm run lint',
  '--validation-mode',
  'regression_only',
  '--model',
  'anthropic:claude-sonnet-4-5',
  '--max-turns',
  '40',
  '--max-budget',
  '2.5',
  '--allow-host',
  'registry.npmjs.org',
  '--allow-host',
  '*.example.com',
  '--max-concurrency',
  '3',
];

describe.concurrent('abca repos settings', () => {
  it('add takes every setting; show prints each one in a block', async () => {
    const added = await abca('repos', 'add', 'acme/settings', '--forge', 'fake', ...EVERY_SETTING, '--json');
    expect(added.code, added.stderr).toBe(0);
    expect(RepoInfo.parse(JSON.parse(added.stdout)).settings).toEqual({
      default_branch: 'trunk',
      setup_command: 'npm ci',
      build_command: 'npm run build',
      test_command: 'npm test -- --run',
      lint_command: 'npm run lint',
      validation_mode: 'regression_only',
      model: 'anthropic:claude-sonnet-4-5',
      max_turns: 40,
      max_budget_usd: 2.5,
      network_allowlist: ['registry.npmjs.org', '*.example.com'],
      max_concurrency: 3,
    });

    const show = await abca('repos', 'show', 'acme/settings');
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^forge:\s+fake$/m);
    expect(show.stdout).toMatch(/^settings:$/m);
    for (const re of [
      /^ {2}default_branch:\s+trunk$/m,
      /^ {2}setup_command:\s+npm ci$/m,
      /^ {2}build_command:\s+npm run build$/m,
      /^ {2}test_command:\s+npm test -- --run$/m,
      /^ {2}lint_command:\s+npm run lint$/m,
      /^ {2}validation_mode:\s+regression_only$/m,
      /^ {2}model:\s+anthropic:claude-sonnet-4-5$/m,
      /^ {2}max_turns:\s+40$/m,
      /^ {2}max_budget_usd:\s+2\.5 USD$/m,
      /^ {2}network_allowlist:\s+registry\.npmjs\.org, \*\.example\.com$/m,
      /^ {2}max_concurrency:\s+3$/m,
    ])
      expect(show.stdout).toMatch(re);
  });

  it('update sets and clears fields, keeps the others, and moves the forge', async () => {
    const added = await abca(
      'repos',
      'add',
      'acme/update',
      '--forge',
      'fake',
      '--test-command',
      'npm test',
      '--model',
      'openai:gpt-5',
      '--max-turns',
      '10',
    );
    expect(added.code, added.stderr).toBe(0);

    const human = await abca(
      'repos',
      'update',
      'acme/update',
      '--lint-command',
      'npm run lint',
      '--max-budget',
      '1.25',
      '--clear',
      'model',
      '--clear',
      'max-turns',
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Updated acme/update.');
    expect(human.stdout).toMatch(/^ {2}lint_command:\s+npm run lint$/m);
    expect(human.stdout).toMatch(/^ {2}max_budget_usd:\s+1\.25 USD$/m);
    expect(human.stdout).toMatch(/^ {2}test_command:\s+npm test$/m);
    expect(human.stdout).toMatch(/^ {2}model:\s+\(default\)$/m);
    expect(human.stdout).toMatch(/^ {2}max_turns:\s+\(default\)$/m);

    const json = await abca(
      'repos',
      'update',
      'acme/update',
      '--allow-host',
      'pypi.org',
      '--clear',
      'test_command',
      '--json',
    );
    expect(json.code, json.stderr).toBe(0);
    expect(RepoInfo.parse(JSON.parse(json.stdout)).settings).toEqual({
      default_branch: 'main', // found on the fake remote when it was added
      lint_command: 'npm run lint',
      max_budget_usd: 1.25,
      network_allowlist: ['pypi.org'],
    });

    const moved = await abca(
      'repos',
      'update',
      'acme/update',
      '--git-url',
      'https://git.example.com/u.git',
      '--no-verify', // no such host here
    );
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/^forge:\s+git https:\/\/git\.example\.com\/u\.git$/m);
    const shown = RepoInfo.parse(JSON.parse((await abca('repos', 'show', 'acme/update', '--json')).stdout));
    expect(shown.forge).toEqual({ kind: 'git', url: 'https://git.example.com/u.git' });
    expect(shown.settings.network_allowlist).toEqual(['pypi.org']);
  });

  it('bad values, contradictions and empty updates exit 2 naming the flag; a missing repo exits 5', async () => {
    const [turns, budget, mode, model, clear, both, nothing, range, host, missing] = await Promise.all([
      abca('repos', 'add', 'acme/bad', '--forge', 'fake', '--max-turns', '3.5'),
      abca('repos', 'update', 'acme/bad', '--max-budget', 'cheap'),
      abca('repos', 'add', 'acme/bad', '--validation-mode', 'lenient'),
      abca('repos', 'update', 'acme/bad', '--model', 'gpt4'),
      abca('repos', 'update', 'acme/bad', '--clear', 'colour'),
      abca('repos', 'update', 'acme/bad', '--test-command', 'make test', '--clear', 'test-command'),
      abca('repos', 'update', 'acme/bad'),
      abca('repos', 'add', 'acme/bad', '--forge', 'fake', '--max-concurrency', '1000', '--json'),
      abca('repos', 'add', 'acme/bad', '--forge', 'fake', '--allow-host', 'https://x.org/'),
      abca('repos', 'update', 'nobody/nothing', '--max-turns', '5'),
    ]);
    for (const [r, flag] of [
      [turns, "'--max-turns <n>' argument '3.5' is invalid"],
      [budget, "'--max-budget <usd>' argument 'cheap' is invalid"],
      [mode, "'--validation-mode <mode>' argument 'lenient' is invalid"],
      [model, "'--model <provider:model>' argument 'gpt4' is invalid"],
      [clear, "'--clear <field>' argument 'colour' is invalid"],
      [both, '--test-command and --clear test_command contradict each other'],
      [nothing, 'Nothing to change'],
    ] as const) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(flag);
    }
    // Ranges and host names are the server's to check: still exit 2, with the field named.
    expect(range.code).toBe(2);
    expect(range.stdout).toBe('');
    expect(JSON.parse(range.stderr)).toMatchObject({
      error: { code: 'VALIDATION_ERROR', exit_code: 2 },
    });
    expect(range.stderr).toContain('max_concurrency');
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('network_allowlist');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('nobody/nothing is not onboarded');
  });
});

describe('abca repos credentials', () => {
  it('add, list, show and update take a token three ways and never print it, human or --json', async () => {
    const token = () => `glpat_${randomBytes(12).toString('hex')}`;
    const [inUrl, viaStdin, viaEnv, replaced] = [token(), token(), token(), token()];
    const outputs: [string, CliResult][] = [];
    // Every remote here is on git.example.com, which does not exist: stored without verifying.
    const run = async (given: string[], opts: { input?: string; env?: Record<string, string> } = {}) => {
      const writes = given[0] === 'repos' && (given[1] === 'add' || given[1] === 'update');
      const args = writes ? [...given, '--no-verify'] : given;
      const r = await runCli(args, { ...env, ...opts.env }, 45_000, opts.input);
      outputs.push([args.join(' '), r]);
      return r;
    };
    const url = (path: string) => `https://git.example.com/${path}.git`;

    const human = await run([
      'repos',
      'add',
      'cred/url',
      '--git-url',
      `https://bot:${inUrl}@git.example.com/u.git`,
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^forge:\s+git https:\/\/git\.example\.com\/u\.git$/m);
    expect(human.stdout).toMatch(/^credential:\s+token for bot \(stored encrypted, not shown\)$/m);
    const json = await run([
      'repos',
      'add',
      'cred/url-json',
      '--git-url',
      `https://bot:${inUrl}@git.example.com/u.git`,
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(RepoInfo.parse(JSON.parse(json.stdout))).toMatchObject({
      forge: { kind: 'git', url: url('u') },
      credential: { username: 'bot', token: '[redacted]' },
    });
    const stdin = await run(
      [
        'repos',
        'add',
        'cred/stdin',
        '--git-url',
        url('s'),
        '--git-token-stdin',
        '--git-username',
        'ci',
        '--json',
      ],
      { input: `${viaStdin}\n` },
    );
    expect(stdin.code, stdin.stderr).toBe(0);
    expect(RepoInfo.parse(JSON.parse(stdin.stdout)).credential).toMatchObject({ username: 'ci' });
    const fromEnv = await run(
      ['repos', 'add', 'cred/env', '--git-url', url('e'), '--git-token-env', 'CRED_TOKEN'],
      {
        env: { CRED_TOKEN: viaEnv },
      },
    );
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toMatch(
      /^credential:\s+token for x-access-token \(stored encrypted, not shown\)$/m,
    );

    const list = await run(['repos', 'list']);
    expect(list.stdout).toContain('cred/stdin');
    const listJson = (JSON.parse((await run(['repos', 'list', '--json'])).stdout) as unknown[]).map((r) =>
      RepoInfo.parse(r),
    );
    expect(
      listJson.filter((r) => r.repo.startsWith('cred/')).every((r) => r.credential?.token === '[redacted]'),
    ).toBe(true);
    await Promise.all(
      ['cred/url', 'cred/stdin', 'cred/env'].map(async (repo) => {
        const shown = await run(['repos', 'show', repo]);
        expect(shown.stdout).toMatch(/^credential:\s+token for \S+ \(stored encrypted, not shown\)$/m);
        await run(['repos', 'show', repo, '--json']);
      }),
    );

    const replace = await run(['repos', 'update', 'cred/env', '--git-token-stdin'], { input: replaced });
    expect(replace.code, replace.stderr).toBe(0);
    expect(replace.stdout).toMatch(/^credential:\s+token for x-access-token/m);
    const remove = await run(['repos', 'update', 'cred/env', '--remove-git-credential', '--json']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(RepoInfo.parse(JSON.parse(remove.stdout)).credential).toBeNull();
    expect((await run(['repos', 'show', 'cred/env'])).stdout).toMatch(/^credential:\s+none$/m);
    const moved = await run([
      'repos',
      'update',
      'cred/url',
      '--git-url',
      `https://bot:${replaced}@git.example.com/v.git`,
    ]);
    expect(moved.stdout).toMatch(/^forge:\s+git https:\/\/git\.example\.com\/v\.git$/m);

    // Usage errors exit 2 before anything is sent, and do not echo a token given by mistake.
    const usage = await Promise.all([
      run(['repos', 'update', 'cred/url', '--git-token-env', 'NOT_SET_ANYWHERE']),
      run(['repos', 'update', 'cred/url', '--git-token-env', `${inUrl}-x`]),
      run(['repos', 'update', 'cred/url', '--git-token-env', inUrl]),
      run(['repos', 'update', 'cred/url', '--git-token-stdin'], { input: '\n' }),
      run(['repos', 'update', 'cred/url', '--git-username', 'ci']),
      run(['repos', 'update', 'cred/url', '--remove-git-credential', '--git-token-stdin'], { input: inUrl }),
    ]);
    for (const r of usage) expect(r.code, r.stderr).toBe(2);
    expect(usage[0]?.stderr).toContain('The variable NOT_SET_ANYWHERE is empty or not set.');
    expect(usage[1]?.stderr).toContain('takes the name of an environment variable, not the token');
    expect(usage[2]?.stderr).toContain('The variable named by --git-token-env is empty or not set.');
    // A credential the server refuses (a local path takes none): exit 2, the field named.
    const refused = await run(
      ['repos', 'add', 'cred/path', '--git-url', '/srv/r.git', '--git-token-env', 'T'],
      {
        env: { T: viaEnv },
      },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('credential');

    for (const [args, r] of outputs) {
      const text = `${r.stdout}\n${r.stderr}`;
      for (const t of [inUrl, viaStdin, viaEnv, replaced])
        expect(text, `abca ${args.slice(0, 60)}`).not.toContain(t);
      expect(text, `abca ${args.slice(0, 60)}`).not.toMatch(/https?:\/\/[^/\s"@]*@/);
    }
    // Some twenty CLI runs of about 2.5 s each, more on a busy machine.
  }, 300_000);
});

/** A bare repository with one commit on `main`, to onboard with `--git-url`. */
function makeBareRemote(): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-cli-remote-'));
  const work = join(dir, 'work');
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'README.md'), '# tools\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', work, '-c', 'user.name=T', '-c', 'user.email=t@localhost', ...args]);
  git('add', '-A');
  git('commit', '-q', '-m', 'Initial commit');
  const bare = join(dir, 'tools.git');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

// In order: the first test needs a server that has no pull request yet.
describe('abca prs', () => {
  it('list on a server without pull requests says so and exits 0', async () => {
    const [human, json, filtered] = await Promise.all([
      abca('prs', 'list'),
      abca('prs', 'list', '--json'),
      abca('prs', 'list', '--repo', 'acme/app', '--task', NO_TASK, '--limit', '5'),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('No pull requests yet.');
    expect(human.stdout).toContain('--git-url');
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(filtered.stdout).toContain('No pull requests match.');
  });

  it('show and diff of a missing number exit 5; a bad number or id exits 2', async () => {
    const [show, showJson, diff, badShow, badDiff, badLimit] = await Promise.all([
      abca('prs', 'show', '4242'),
      abca('prs', 'show', '4242', '--json'),
      abca('prs', 'diff', '4242'),
      abca('prs', 'show', 'twelve'),
      abca('prs', 'diff', 'not-a-task'),
      abca('prs', 'list', '--limit', 'all'),
    ]);
    expect(show.code).toBe(5);
    expect(show.stderr).toContain('No pull request 4242.');
    expect(JSON.parse(showJson.stderr)).toMatchObject({ error: { code: 'PR_NOT_FOUND', exit_code: 5 } });
    expect(diff.code).toBe(5);
    expect(badShow.code).toBe(2);
    expect(badShow.stderr).toContain("argument 'number'");
    expect(badDiff.code).toBe(2);
    expect(badDiff.stderr).toContain('neither a pull request number nor a task id');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
  });

  it("diff of a fake-forge task exits 5 with the server's message; a missing task too", async () => {
    const added = await abca('repos', 'add', 'acme/fake-prs', '--forge', 'fake');
    expect(added.code, added.stderr).toBe(0);
    const submitted = await abca('submit', '--repo', 'acme/fake-prs', '--wait', '--json', 'Change a thing');
    expect(submitted.code, submitted.stderr).toBe(0);
    const task = TaskDetail.parse(JSON.parse(submitted.stdout));
    expect(task.pr_url).toMatch(/^https:\/\//);

    const [raw, json, missing] = await Promise.all([
      abca('prs', 'diff', task.task_id),
      abca('prs', 'diff', task.task_id.toLowerCase(), '--json'),
      abca('prs', 'diff', NO_TASK),
    ]);
    expect(raw.code).toBe(5);
    expect(raw.stdout).toBe('');
    expect(raw.stderr).toContain(`Task ${task.task_id}'s changes are in ${task.pr_url}.`);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', exit_code: 5 } });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('Error TASK_NOT_FOUND');
  });

  it('a plain-git task: prs list shows its PR, prs show and prs diff print it', async () => {
    const remote = makeBareRemote();
    const added = await abca('repos', 'add', 'tools', '--git-url', remote, '--default-branch', 'main');
    expect(added.code, added.stderr).toBe(0);
    const submitted = await abca('submit', '--repo', 'tools', '--wait', '--json', 'Touch a file');
    expect(submitted.code, submitted.stderr).toBe(0);
    const task = TaskDetail.parse(JSON.parse(submitted.stdout));
    expect(task.status).toBe('COMPLETED');

    const [list, listJson] = await Promise.all([
      abca('prs', 'list', '--repo', 'tools'),
      abca('prs', 'list', '--task', task.task_id, '--json'),
    ]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NUMBER\s+REPO\s+STATE\s+DRAFT\s+BRANCH\s+TITLE\s+TASK/);
    expect(list.stdout).toContain(task.task_id);
    const [pr] = (JSON.parse(listJson.stdout) as unknown[]).map((p) => ChangeRequestInfo.parse(p));
    expect(pr).toMatchObject({ repo: 'tools', task_id: task.task_id, base: 'main' });
    if (!pr) throw new Error('no pull request listed');

    const [show, byTask, byNumber, byTaskJson] = await Promise.all([
      abca('prs', 'show', String(pr.number)),
      abca('prs', 'diff', task.task_id),
      abca('prs', 'diff', String(pr.number)),
      abca('prs', 'diff', task.task_id, '--json'),
    ]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(pr.title);
    expect(show.stdout).toContain(`${pr.branch} → main`);
    expect(show.stdout).toMatch(/^commits:\s+[1-9]/m);
    expect(byTask.code, byTask.stderr).toBe(0);
    expect(byTask.stdout).toMatch(/^diff --git /);
    expect(byTask.stdout).toContain('ABCA_FAKE_CHANGE.md');
    expect(byNumber.stdout).toBe(byTask.stdout);
    expect(TaskDiff.parse(JSON.parse(byTaskJson.stdout)).pr_number).toBe(pr.number);
  });

  it('the review loop: comment on a line, reply, resolve, review, merge; a conflict and a closed one exit 1', async () => {
    const remote = makeBareRemote();
    const added = await abca('repos', 'add', 'loop', '--git-url', remote, '--default-branch', 'main');
    expect(added.code, added.stderr).toBe(0);
    const numbers: number[] = [];
    for (const what of ['one', 'two']) {
      const submitted = await abca('submit', '--repo', 'loop', '--wait', '--json', `Change ${what}`);
      expect(submitted.code, submitted.stderr).toBe(0);
      const task = TaskDetail.parse(JSON.parse(submitted.stdout));
      const [pr] = JSON.parse((await abca('prs', 'list', '--task', task.task_id, '--json')).stdout);
      numbers.push(pr.number);
    }
    const [n, m] = numbers.map(String) as [string, string];

    const opened = await abca(
      'prs',
      'comment',
      n,
      '--path',
      'ABCA_FAKE_CHANGE.md',
      '--line',
      '1',
      'Say more.',
      '--json',
    );
    expect(opened.code, opened.stderr).toBe(0);
    const root = PrComment.parse(JSON.parse(opened.stdout));
    expect(root).toMatchObject({ path: 'ABCA_FAKE_CHANGE.md', line: 1, author: 'admin' });
    const reply = await abca('prs', 'comment', n, '--reply-to', String(root.id), 'Done.');
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toMatch(
      new RegExp(
        `^Commented on #${n} at ABCA_FAKE_CHANGE\\.md:1 \\(comment \\d+, in thread ${root.id}\\)\\.`,
      ),
    );
    const talk = await abca('prs', 'comment', n, 'Overall \u001b[31mfine\u001b[0m.');
    expect(talk.code, talk.stderr).toBe(0);
    const resolved = await abca('prs', 'resolve', n, String(root.id));
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain(`Thread ${root.id} on #${n} is resolved (2 comments).`);

    const [shown, shownJson] = await Promise.all([
      abca('prs', 'comments', n),
      abca('prs', 'comments', n, '--json'),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /^ABCA_FAKE_CHANGE\.md:1 \(resolved\)\n {2}\[\d+\] admin .*: Say more\.\n {4}\[\d+\] admin .*: Done\.\n/,
    );
    expect(shown.stdout).toMatch(/^Conversation\n {2}\[\d+\] admin .*: Overall \?\[31mfine\?\[0m\.$/m);
    expect(shown.stdout).not.toContain('\u001b');
    expect((JSON.parse(shownJson.stdout) as unknown[]).map((c) => PrComment.parse(c).resolved)).toEqual([
      true,
      true,
      false,
    ]);

    const changes = await abca('prs', 'review', n, '--request-changes', '-m', 'Not yet.');
    expect(changes.code, changes.stderr).toBe(0);
    expect(changes.stdout).toMatch(new RegExp(`^Reviewed #${n}: changes requested \\(review \\d+\\)\\.`));
    expect((await abca('prs', 'review', n, '--approve')).code).toBe(0);
    const reviews = await abca('prs', 'reviews', n, '--json');
    expect((JSON.parse(reviews.stdout) as unknown[]).map((r) => PrReview.parse(r).verdict)).toEqual([
      'request_changes',
      'approve',
    ]);

    // Bad input: usage errors exit 2, a line outside the diff too (422), an unknown PR exits 5.
    const [noVerdict, twoVerdicts, pathOnly, offDiff, offDiffJson, missing] = await Promise.all([
      abca('prs', 'review', n),
      abca('prs', 'review', n, '--approve', '--comment'),
      abca('prs', 'comment', n, '--path', 'ABCA_FAKE_CHANGE.md', 'x'),
      abca('prs', 'comment', n, '--path', 'ABCA_FAKE_CHANGE.md', '--line', '7', 'x'),
      abca('prs', 'comment', n, '--path', 'README.md', '--line', '1', 'x', '--json'),
      abca('prs', 'comment', '4242', 'x'),
    ]);
    expect([noVerdict.code, twoVerdicts.code, pathOnly.code]).toEqual([2, 2, 2]);
    expect(noVerdict.stderr).toContain('exactly one of --approve, --request-changes and --comment');
    expect(pathOnly.stderr).toContain('--path and --line together');
    expect(offDiff.code).toBe(2);
    expect(offDiff.stderr).toContain('Error LINE_NOT_IN_DIFF');
    expect(JSON.parse(offDiffJson.stderr)).toMatchObject({
      error: { code: 'LINE_NOT_IN_DIFF', exit_code: 2 },
    });
    expect(missing.code).toBe(5);

    const merged = await abca('prs', 'merge', n);
    expect(merged.code, merged.stderr).toBe(0);
    const head = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    expect(merged.stdout.trim()).toBe(`Merged #${n} into main: ${head.slice(0, 10)}.`);

    // The second adds the same file: a conflict names it, exits 1, and leaves main where it was.
    const [conflict, conflictJson] = [await abca('prs', 'merge', m), await abca('prs', 'merge', m, '--json')];
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Error MERGE_CONFLICT');
    expect(conflict.stderr).toContain('ABCA_FAKE_CHANGE.md');
    expect(JSON.parse(conflictJson.stderr)).toMatchObject({
      error: { code: 'MERGE_CONFLICT', exit_code: 1 },
    });
    expect(execFileSync('git', ['--git-dir', remote, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(
      head,
    );

    const closed = await abca('prs', 'close', m);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toMatch(new RegExp(`^Closed #${m} \\(.+ is kept on the remote\\)\\.`));
    const again = await abca('prs', 'merge', m);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error PR_NOT_OPEN');
    const show = ChangeRequestInfo.parse(JSON.parse((await abca('prs', 'show', m, '--json')).stdout));
    expect(show).toMatchObject({ state: 'closed', merged_at: null });
  }, 120_000);
});
