import { type CheckRunFields, createCheckRun, latestRuns, suiteState, updateCheckRun } from '../checks.ts';
import { branchSha } from '../git.ts';
import { commitExists, resolveRef } from '../git-write.ts';
import { HttpError, notFound, validationFailed } from '../http-error.ts';
import type {
  CheckApp,
  CheckConclusion,
  CheckRun,
  CheckStatus,
  CheckSuite,
  RepoState,
  World,
} from '../state.ts';
import { repoFor } from './access.ts';
import { paginate } from './paginate.ts';
import { repoApiUrl, repoJson } from './repos.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

function appJson(world: World, urls: Urls, app: CheckApp): Record<string, unknown> {
  const created = '2020-01-01T00:00:00Z';
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:App${app.id}`).toString('base64'),
    owner: userJson(world, urls, app.slug),
    name: app.slug,
    description: null,
    external_url: `${urls.web}/apps/${app.slug}`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: created,
    updated_at: created,
    permissions: { checks: 'write', metadata: 'read' },
    events: [],
  };
}

/** The open pull requests whose head is the commit, as GitHub's `pull_requests` on checks. */
async function pullsAt(urls: Urls, repo: RepoState, sha: string) {
  const api = repoApiUrl(urls, repo);
  const found: Record<string, unknown>[] = [];
  for (const thread of repo.threads.values()) {
    const pull = thread.pull;
    if (!pull || thread.state !== 'open') continue;
    const head = (await branchSha(repo.path, pull.head)) ?? pull.lastHeadSha;
    if (head !== sha) continue;
    const ref = { id: repo.id, url: api, name: repo.name };
    found.push({
      url: `${api}/pulls/${thread.number}`,
      id: pull.id,
      number: thread.number,
      head: { ref: pull.head, sha, repo: ref },
      base: { ref: pull.base, sha: (await branchSha(repo.path, pull.base)) ?? '', repo: ref },
    });
  }
  return found;
}

export async function checkSuiteJson(world: World, urls: Urls, repo: RepoState, suite: CheckSuite) {
  const api = repoApiUrl(urls, repo);
  const { status, conclusion } = suiteState(repo, suite);
  return {
    id: suite.id,
    node_id: Buffer.from(`010:CheckSuite${suite.id}`).toString('base64'),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status,
    conclusion,
    url: `${api}/check-suites/${suite.id}`,
    before: null,
    after: suite.headSha,
    pull_requests: await pullsAt(urls, repo, suite.headSha),
    app: appJson(world, urls, suite.app),
    repository: repoJson(world, urls, repo),
    created_at: suite.createdAt,
    updated_at: suite.updatedAt,
    rerequestable: true,
    runs_rerequestable: true,
    latest_check_runs_count: latestRuns(repo.checkRuns.filter((r) => r.suiteId === suite.id)).length,
    check_runs_url: `${api}/check-suites/${suite.id}/check-runs`,
    head_commit: {
      id: suite.headSha,
      tree_id: suite.headSha,
      message: '',
      timestamp: suite.createdAt,
      author: { name: '', email: '' },
      committer: { name: '', email: '' },
    },
  };
}

/** GitHub's `check-run`; `withSuite` embeds the whole suite (webhooks) instead of `{ id }`. */
export async function checkRunJson(
  world: World,
  urls: Urls,
  repo: RepoState,
  run: CheckRun,
  withSuite = false,
) {
  const api = repoApiUrl(urls, repo);
  const suite = repo.checkSuites.find((s) => s.id === run.suiteId)!;
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: Buffer.from(`08:CheckRun${run.id}`).toString('base64'),
    external_id: run.externalId,
    url: `${api}/check-runs/${run.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: withSuite ? await checkSuiteJson(world, urls, repo, suite) : { id: suite.id },
    app: appJson(world, urls, run.app),
    pull_requests: await pullsAt(urls, repo, run.headSha),
  };
}

function optional(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw validationFailed({ resource: 'CheckRun', field: key, code: 'invalid' });
  return value;
}

function fieldsOf(body: Record<string, unknown>): CheckRunFields {
  const output = body.output;
  if (output !== undefined && (typeof output !== 'object' || output === null))
    throw validationFailed({ resource: 'CheckRun', field: 'output', code: 'invalid' });
  const out = (output ?? {}) as Record<string, unknown>;
  if (output !== undefined && (typeof out.title !== 'string' || typeof out.summary !== 'string'))
    throw new HttpError(422, 'Invalid request.\n\n"title" and "summary" are required keys of "output".');
  const status = optional(body, 'status');
  if (status !== undefined && !['queued', 'in_progress', 'completed'].includes(status))
    throw validationFailed({ resource: 'CheckRun', field: 'status', code: 'invalid' });
  return {
    name: optional(body, 'name'),
    status: status as CheckStatus | undefined,
    conclusion: optional(body, 'conclusion') as CheckConclusion | undefined,
    startedAt: optional(body, 'started_at'),
    completedAt: optional(body, 'completed_at'),
    detailsUrl: optional(body, 'details_url'),
    externalId: optional(body, 'external_id'),
    ...(output !== undefined
      ? {
          output: {
            title: out.title as string,
            summary: out.summary as string,
            text: typeof out.text === 'string' ? out.text : undefined,
          },
        }
      : {}),
  };
}

/** Only GitHub Apps write checks: a personal token gets 403, as on GitHub. */
function appOf(context: RestContext): CheckApp {
  const app = context.credentials.app;
  if (context.principal.kind !== 'installation' || !app)
    throw new HttpError(403, 'You must authenticate via a GitHub App.');
  return { id: app.appId, slug: app.botLogin.replace(/\[bot\]$/, '') };
}

async function createRun(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const app = appOf(context);
  const body = bodyObject(context);
  const fields = fieldsOf(body);
  const headSha = optional(body, 'head_sha');
  if (!fields.name) throw validationFailed({ resource: 'CheckRun', field: 'name', code: 'missing_field' });
  if (!headSha) throw validationFailed({ resource: 'CheckRun', field: 'head_sha', code: 'missing_field' });
  if (!(await commitExists(repo.path, headSha)))
    throw new HttpError(422, 'No commit found for SHA: ' + headSha);
  const run = await createCheckRun(context.world, context.urls, repo, {
    app,
    headSha,
    headBranch: null,
    fields: { ...fields, name: fields.name },
  });
  return { status: 201, body: await checkRunJson(context.world, context.urls, repo, run) };
}

function runFor(context: RestContext, repo: RepoState): CheckRun {
  const run = repo.checkRuns.find((r) => r.id === Number(context.params.check_run_id));
  if (!run) throw notFound();
  return run;
}

async function updateRun(context: RestContext) {
  const { repo } = repoFor(context, 'write');
  const app = appOf(context);
  const run = runFor(context, repo);
  if (run.app.id !== app.id)
    throw new HttpError(
      403,
      'Invalid app_id `' + app.id + '` - check run can only be modified by the GitHub App that created it.',
    );
  await updateCheckRun(context.world, context.urls, repo, run, fieldsOf(bodyObject(context)));
  return { status: 200, body: await checkRunJson(context.world, context.urls, repo, run) };
}

async function getRun(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  return { status: 200, body: await checkRunJson(context.world, context.urls, repo, runFor(context, repo)) };
}

async function shaOf(context: RestContext, repo: RepoState): Promise<string> {
  const sha = await resolveRef(repo.path, context.params.ref ?? '');
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${context.params.ref}`);
  return sha;
}

async function listRunsForRef(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const sha = await shaOf(context, repo);
  let runs = repo.checkRuns.filter((r) => r.headSha === sha);
  const name = context.query.get('check_name');
  const status = context.query.get('status');
  if (name) runs = runs.filter((r) => r.name === name);
  if (status) runs = runs.filter((r) => r.status === status);
  if (context.query.get('filter') !== 'all') runs = latestRuns(runs);
  runs = [...runs].reverse();
  const path = `/repos/${repo.owner}/${repo.name}/commits/${context.params.ref}/check-runs`;
  const { page, headers } = paginate(context, path, runs);
  const body = await Promise.all(page.map((r) => checkRunJson(context.world, context.urls, repo, r)));
  return { status: 200, body: { total_count: runs.length, check_runs: body }, headers };
}

async function listSuitesForRef(context: RestContext) {
  const { repo } = repoFor(context, 'read');
  const sha = await shaOf(context, repo);
  const suites = repo.checkSuites.filter((s) => s.headSha === sha);
  const path = `/repos/${repo.owner}/${repo.name}/commits/${context.params.ref}/check-suites`;
  const { page, headers } = paginate(context, path, suites);
  const body = await Promise.all(page.map((s) => checkSuiteJson(context.world, context.urls, repo, s)));
  return { status: 200, body: { total_count: suites.length, check_suites: body }, headers };
}

export const checkRoutes: Route[] = [
  { method: 'POST', path: '/repos/{owner}/{repo}/check-runs', handler: createRun },
  { method: 'GET', path: '/repos/{owner}/{repo}/check-runs/{check_run_id}', handler: getRun },
  { method: 'PATCH', path: '/repos/{owner}/{repo}/check-runs/{check_run_id}', handler: updateRun },
  { method: 'GET', path: '/repos/{owner}/{repo}/commits/{ref}/check-runs', handler: listRunsForRef },
  { method: 'GET', path: '/repos/{owner}/{repo}/commits/{ref}/check-suites', handler: listSuitesForRef },
];
