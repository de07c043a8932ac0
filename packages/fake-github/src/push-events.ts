import { git } from './git.ts';
import { markOutdatedThreads } from './outdated.ts';
import type { Urls } from './rest/route.ts';
import type { RepoState, World } from './state.ts';
import { pullRequestEvent } from './webhook-payloads.ts';

/** Branch heads of a repository, by name. */
export async function branchHeads(repoPath: string): Promise<Map<string, string>> {
  const out = await git([
    '--git-dir',
    repoPath,
    'for-each-ref',
    '--format=%(objectname) %(refname:short)',
    'refs/heads',
  ]);
  const heads = new Map<string, string>();
  for (const line of out.stdout.split('\n').filter(Boolean)) {
    const space = line.indexOf(' ');
    heads.set(line.slice(space + 1), line.slice(0, space));
  }
  return heads;
}

/**
 * After a `git push`: each open pull request whose head branch moved gets `pull_request`
 * (`synchronize`), and its threads go outdated where the push changed their lines, as on GitHub.
 */
export async function announcePush(
  world: World,
  urls: Urls,
  repo: RepoState,
  before: Map<string, string>,
  pusher: string,
): Promise<void> {
  const after = await branchHeads(repo.path);
  for (const thread of repo.threads.values()) {
    const pull = thread.pull;
    if (!pull || thread.state !== 'open') continue;
    const head = after.get(pull.head);
    if (!head || head === before.get(pull.head)) continue;
    pull.lastHeadSha = head;
    await markOutdatedThreads(repo, thread);
    await world.events.emit(repo, 'pull_request', pusher, () =>
      pullRequestEvent(world, urls, repo, thread, 'synchronize'),
    );
  }
}
