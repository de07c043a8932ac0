import { branchSha } from './git.ts';
import { mergeInto, noreplyEmail } from './git-write.ts';
import { HttpError } from './http-error.ts';
import type { Urls } from './rest/route.ts';
import { headOf } from './reviews.ts';
import { now, type RepoState, type Thread, type World } from './state.ts';
import { labelEvent, pullRequestEvent } from './webhook-payloads.ts';

/** Closes or reopens a pull request; sends `pull_request` (closed, `merged: false`, or reopened). */
export async function setPullState(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  state: 'open' | 'closed',
  actor: string,
): Promise<void> {
  if (state === thread.state) return;
  thread.state = state;
  thread.closedAt = state === 'closed' ? now() : null;
  thread.updatedAt = now();
  const action = state === 'closed' ? 'closed' : 'reopened';
  await world.events.emit(repo, 'pull_request', actor, () =>
    pullRequestEvent(world, urls, repo, thread, action),
  );
}

/**
 * Merges a pull request as `PUT …/merge` does: 405 when it is closed or does not merge cleanly,
 * 409 when `sha` is given and is not its head; then it is closed and merged, and
 * `pull_request` (closed, `merged: true`) is sent.
 */
export async function mergePull(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  input: { actor: string; sha?: string; method?: string; title?: string; message?: string },
): Promise<{ sha: string }> {
  const pull = thread.pull!;
  const method = input.method ?? 'merge';
  if (method !== 'merge' && method !== 'squash')
    throw new HttpError(
      405,
      `${method === 'rebase' ? 'Rebase' : 'These'} merges are not allowed on this repository.`,
    );
  if (thread.state !== 'open' || pull.merged) throw new HttpError(405, 'Pull Request is not mergeable');
  const head = await headOf(repo, thread);
  if (input.sha !== undefined && input.sha !== head)
    throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
  const baseSha = await branchSha(repo.path, pull.base);
  if (!baseSha || !(await branchSha(repo.path, pull.head)))
    throw new HttpError(405, 'Pull Request is not mergeable');
  const title =
    input.title ??
    (method === 'merge'
      ? `Merge pull request #${thread.number} from ${repo.owner}/${pull.head}`
      : `${thread.title} (#${thread.number})`);
  const result = await mergeInto(repo.path, {
    base: pull.base,
    baseSha,
    headSha: head,
    method,
    message: input.message ? `${title}\n\n${input.message}` : title,
    name: input.actor,
    email: noreplyEmail(world.userId(input.actor), input.actor),
  });
  if (!result.ok) throw new HttpError(405, 'Pull Request is not mergeable');
  const at = now();
  pull.merged = true;
  pull.mergedAt = at;
  pull.mergedBy = input.actor;
  pull.mergeCommitSha = result.sha;
  pull.mergedOnto = baseSha;
  thread.state = 'closed';
  thread.closedAt = at;
  thread.updatedAt = at;
  await world.events.emit(repo, 'pull_request', input.actor, () =>
    pullRequestEvent(world, urls, repo, thread, 'closed'),
  );
  return { sha: result.sha };
}

/** Adds labels (GitHub creates a label it does not know); sends `labeled` for each new one. */
export async function addLabels(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  labels: readonly string[],
  actor: string,
): Promise<void> {
  for (const label of labels) {
    if (thread.labels.some((l) => l.toLowerCase() === label.toLowerCase())) continue;
    thread.labels.push(label);
    thread.updatedAt = now();
    await world.events.emit(repo, thread.pull ? 'pull_request' : 'issues', actor, () =>
      labelEvent(world, urls, repo, thread, label, 'labeled'),
    );
  }
}

/** Removes a label: 404 "Label does not exist" when it is not on the issue; sends `unlabeled`. */
export async function removeLabel(
  world: World,
  urls: Urls,
  repo: RepoState,
  thread: Thread,
  label: string,
  actor: string,
): Promise<void> {
  const index = thread.labels.findIndex((l) => l.toLowerCase() === label.toLowerCase());
  if (index === -1) throw new HttpError(404, 'Label does not exist');
  const [removed = label] = thread.labels.splice(index, 1);
  thread.updatedAt = now();
  await world.events.emit(repo, thread.pull ? 'pull_request' : 'issues', actor, () =>
    labelEvent(world, urls, repo, thread, removed, 'unlabeled'),
  );
}
