import { HttpError } from './http-error.ts';
import type { Urls } from './rest/route.ts';
import {
  CHECK_CONCLUSIONS,
  type CheckApp,
  type CheckConclusion,
  type CheckRun,
  type CheckStatus,
  type CheckSuite,
  type CommitState,
  type CommitStatus,
  now,
  type RepoState,
  type World,
} from './state.ts';
import { checkRunEvent, checkSuiteEvent, statusEvent } from './webhook-payloads.ts';

/** GitHub refuses a check run's `output.summary` or `output.text` longer than this. */
export const MAX_OUTPUT_CHARS = 65_535;

/** What creating or updating a check run may set (the REST body, already read). */
export interface CheckRunFields {
  name?: string;
  status?: CheckStatus;
  conclusion?: CheckConclusion;
  startedAt?: string;
  completedAt?: string;
  detailsUrl?: string;
  externalId?: string;
  output?: { title?: string; summary?: string; text?: string };
}

function unprocessable(message: string): HttpError {
  return new HttpError(422, message);
}

/** The suite's status and conclusion follow its runs (GitHub's precedence among conclusions). */
export function suiteState(
  repo: RepoState,
  suite: CheckSuite,
): { status: CheckStatus; conclusion: CheckConclusion | null } {
  const runs = latestRuns(repo.checkRuns.filter((r) => r.suiteId === suite.id));
  if (runs.length === 0) return { status: 'queued', conclusion: null };
  if (runs.some((r) => r.status !== 'completed'))
    return {
      status: runs.some((r) => r.status === 'in_progress') ? 'in_progress' : 'queued',
      conclusion: null,
    };
  const order: CheckConclusion[] = [
    'action_required',
    'cancelled',
    'timed_out',
    'failure',
    'stale',
    'neutral',
    'success',
    'skipped',
  ];
  const conclusion = order.find((c) => runs.some((r) => r.conclusion === c)) ?? 'success';
  return { status: 'completed', conclusion };
}

/** The newest run of each name, as GitHub's `filter=latest` lists them. */
export function latestRuns(runs: readonly CheckRun[]): CheckRun[] {
  const byName = new Map<string, CheckRun>();
  for (const run of runs) byName.set(run.name, run);
  return [...byName.values()];
}

function apply(run: CheckRun, fields: CheckRunFields): void {
  if (fields.output) {
    for (const key of ['summary', 'text'] as const) {
      if ((fields.output[key]?.length ?? 0) > MAX_OUTPUT_CHARS)
        throw unprocessable(
          `Invalid request.\n\nOnly ${MAX_OUTPUT_CHARS} characters are allowed; ${fields.output[key]?.length} were supplied.`,
        );
    }
    run.output = {
      title: fields.output.title ?? run.output.title,
      summary: fields.output.summary ?? run.output.summary,
      text: fields.output.text ?? run.output.text,
    };
  }
  if (fields.name !== undefined) run.name = fields.name;
  if (fields.detailsUrl !== undefined) run.detailsUrl = fields.detailsUrl;
  if (fields.externalId !== undefined) run.externalId = fields.externalId;
  if (fields.startedAt !== undefined) run.startedAt = fields.startedAt;
  if (fields.conclusion !== undefined) {
    if (!CHECK_CONCLUSIONS.includes(fields.conclusion))
      throw unprocessable('Invalid request.\n\nconclusion is not valid');
    run.conclusion = fields.conclusion;
    run.status = 'completed';
  } else if (fields.status !== undefined) {
    if (fields.status === 'completed' && run.conclusion === null)
      throw unprocessable(
        'Invalid request.\n\nNo subschema in "anyOf" matched: conclusion is required when status is completed',
      );
    run.status = fields.status;
  }
  if (run.status === 'completed') run.completedAt = fields.completedAt ?? run.completedAt ?? now();
}

async function announce(
  world: World,
  urls: Urls,
  repo: RepoState,
  run: CheckRun,
  wasCompleted: boolean,
  created: boolean,
) {
  const sender = `${run.app.slug}[bot]`;
  if (created)
    await world.events.emit(repo, 'check_run', sender, () =>
      checkRunEvent(world, urls, repo, run, 'created'),
    );
  if (run.status !== 'completed' || wasCompleted) return;
  await world.events.emit(repo, 'check_run', sender, () =>
    checkRunEvent(world, urls, repo, run, 'completed'),
  );
  const suite = repo.checkSuites.find((s) => s.id === run.suiteId)!;
  if (suiteState(repo, suite).status === 'completed')
    await world.events.emit(repo, 'check_suite', sender, () =>
      checkSuiteEvent(world, urls, repo, suite, 'completed'),
    );
}

/** Creates a check run of `app` on a commit, in the app's suite for that commit (made on first use). */
export async function createCheckRun(
  world: World,
  urls: Urls,
  repo: RepoState,
  input: {
    app: CheckApp;
    headSha: string;
    headBranch: string | null;
    fields: CheckRunFields & { name: string };
  },
): Promise<CheckRun> {
  let suite = repo.checkSuites.find((s) => s.headSha === input.headSha && s.app.id === input.app.id);
  if (!suite) {
    const at = now();
    suite = {
      id: world.nextId(),
      headSha: input.headSha,
      headBranch: input.headBranch,
      app: input.app,
      createdAt: at,
      updatedAt: at,
    };
    repo.checkSuites.push(suite);
  }
  const run: CheckRun = {
    id: world.nextId(),
    suiteId: suite.id,
    headSha: input.headSha,
    app: input.app,
    name: input.fields.name,
    status: 'queued',
    conclusion: null,
    startedAt: now(),
    completedAt: null,
    detailsUrl: null,
    externalId: '',
    output: { title: null, summary: null, text: null },
  };
  apply(run, input.fields);
  repo.checkRuns.push(run);
  suite.updatedAt = now();
  await announce(world, urls, repo, run, false, true);
  return run;
}

export async function updateCheckRun(
  world: World,
  urls: Urls,
  repo: RepoState,
  run: CheckRun,
  fields: CheckRunFields,
) {
  const wasCompleted = run.status === 'completed';
  apply(run, fields);
  const suite = repo.checkSuites.find((s) => s.id === run.suiteId);
  if (suite) suite.updatedAt = now();
  await announce(world, urls, repo, run, wasCompleted, false);
}

const COMMIT_STATES: readonly CommitState[] = ['error', 'failure', 'pending', 'success'];

/** Sets a commit status (`POST /statuses/{sha}`); sends `status`. 422 on an unknown state. */
export async function addStatus(
  world: World,
  urls: Urls,
  repo: RepoState,
  input: {
    sha: string;
    state: string;
    context?: string;
    description?: string | null;
    targetUrl?: string | null;
    creator: string;
  },
): Promise<CommitStatus> {
  if (!COMMIT_STATES.includes(input.state as CommitState))
    throw new HttpError(422, 'Validation Failed', {
      errors: [
        { resource: 'Status', field: 'state', code: 'custom', message: `state is not included in the list` },
      ],
    });
  const status: CommitStatus = {
    id: world.nextId(),
    sha: input.sha,
    state: input.state as CommitState,
    context: input.context ?? 'default',
    description: input.description ?? null,
    targetUrl: input.targetUrl ?? null,
    creator: input.creator,
    createdAt: now(),
  };
  repo.statuses.push(status);
  await world.events.emit(repo, 'status', input.creator, () => statusEvent(world, urls, repo, status));
  return status;
}

/** The newest status of each context of a commit, newest first, and their combined state. */
export function combinedStatus(
  repo: RepoState,
  sha: string,
): { state: CommitState; statuses: CommitStatus[] } {
  const latest = new Map<string, CommitStatus>();
  for (const s of repo.statuses) if (s.sha === sha) latest.set(s.context, s);
  const statuses = [...latest.values()].reverse();
  const state: CommitState = statuses.some((s) => s.state === 'error' || s.state === 'failure')
    ? 'failure'
    : statuses.length === 0 || statuses.some((s) => s.state === 'pending')
      ? 'pending'
      : 'success';
  return { state, statuses };
}
