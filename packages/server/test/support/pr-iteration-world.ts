import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reply, type ScriptedModelServer } from '@abca/model-kit';
import type { Queryable } from '../../src/storage/db.ts';
import { insertChangeRequestReview } from '../../src/store/change-requests.ts';
import type { ApiClient } from './platform.ts';

/** Helpers of the PR-iteration tests on a plain git remote: git on the remote, the PR's tasks. */
export function git(remote: string, ...args: string[]): string {
  return execFileSync('git', ['-C', remote, ...args], { encoding: 'utf8' }).trim();
}

export function branchHead(remote: string, branch: string): string | undefined {
  const out = execFileSync(
    'git',
    ['-C', remote, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`],
    {
      encoding: 'utf8',
    },
  ).trim();
  return out || undefined;
}

/** A person's commit pushed to `branch` of the remote from a clone of their own. */
export function pushAsPerson(remote: string, branch: string, file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'abca-person-'));
  execFileSync('git', ['clone', '-q', '--branch', branch, remote, dir]);
  writeFileSync(join(dir, file), text);
  const g = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=Pat', '-c', 'user.email=pat@localhost', ...args], {
      encoding: 'utf8',
    });
  g('add', '-A');
  g('commit', '-q', '-m', 'A person pushed meanwhile');
  g('push', '-q', 'origin', branch);
  return g('rev-parse', 'HEAD').trim();
}

const TERMINAL = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

/** A new task on `repo` that commits one change; resolves to the finished task (with its PR). */
export async function openPrWithTask(api: ApiClient, model: ScriptedModelServer, repo: string): Promise<any> {
  model.script(
    reply().tool('bash', {
      command:
        "sed -i 's/Hello/Hi/' greet.js greet.test.js && git commit -qam 'Greet with Hi' && git log --oneline | head -1",
    }),
    reply().text('Greets with Hi now.'),
  );
  const created = await api.request('POST', '/v1/tasks', {
    body: { repo, task_description: 'Greet with Hi' },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const done = await api.waitFor(created.body.data.task_id, (t) => TERMINAL.includes(t.status), 120_000);
  if (done.status !== 'COMPLETED')
    throw new Error(`the PR's task ended ${done.status}: ${JSON.stringify(done.error)}`);
  return done;
}

/** A person's review with two line comments on the PR (plain git's store). */
export async function reviewWithTwoComments(db: Queryable, number: number): Promise<void> {
  await insertChangeRequestReview(db, {
    number,
    author: 'alice',
    verdict: 'request_changes',
    body: 'Two things.',
    comments: [
      { path: 'greet.js', line: 2, body: 'Please greet with an exclamation and the name in capitals.' },
      { path: 'greet.test.js', line: 5, body: 'Add a test for a second name.' },
    ],
  });
}

export async function submitIteration(api: ApiClient, repo: string, prNumber: number): Promise<string> {
  const created = await api.request('POST', '/v1/tasks', {
    body: { repo, workflow_ref: 'coding/pr-iteration-v1', pr_number: prNumber },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.data.task_id as string;
}

export const finished = (api: ApiClient, taskId: string, timeoutMs = 120_000) =>
  api.waitFor(taskId, (t) => TERMINAL.includes(t.status), timeoutMs);
