import {
  ApiErrorBody,
  ApiKeyInfo,
  Approval,
  type ApproveRequest,
  CancelTaskResponse,
  ChangeRequestInfo,
  ChannelCheckResult,
  type CreateApiKeyRequest,
  CreatedApiKey,
  CreatedWebhook,
  type CreateMemoryRequest,
  type CreateRepoRequest,
  type CreateTaskRequest,
  type CreateWebhookRequest,
  type DenyRequest,
  dataEnvelope,
  EnvCacheCleared,
  EnvCacheList,
  ForgottenMemory,
  type IdentityProvider,
  LinkedIdentity,
  listEnvelope,
  MEMORY_LINES_CONTENT_TYPE,
  MemoryImportResult,
  MemoryRecord,
  ModelCheckResult,
  NudgeResponse,
  PrComment,
  type PrCommentRequest,
  PrMergeResult,
  PrOutcome,
  PrReview,
  type PrReviewRequest,
  PrStats,
  RepoInfo,
  RepoWriteResponse,
  ServerConfigInfo,
  TaskDetail,
  TaskDiff,
  TaskEventRecord,
  TaskSummary,
  type UpdateMemoryRequest,
  type UpdateRepoRequest,
  UsageReport,
  UserBudget,
  WebhookInfo,
} from '@abca/contracts';
import { z } from 'zod';
import { CliError, EXIT, exitCodeOfStatus } from './exit-codes.ts';
import { type HttpResponse, httpRequest } from './http-request.ts';
import { USER_AGENT } from './version.ts';

/** An error answer of the API, as `{ error: { code, message, request_id, details } }`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody['error'],
  ) {
    super(body.message, exitCodeOfStatus(status), {
      code: body.code,
      requestId: body.request_id,
      ...(body.details ? { details: body.details } : {}),
      // The server's remedy (onboarding failures name the flag that fixes them) is the hint.
      ...(body.remedy ? { hint: body.remedy } : {}),
    });
    this.name = 'ApiError';
  }
}

/** The server did not answer at all (refused, unknown host, timed out, reset). */
export class ServerUnreachableError extends CliError {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(
      `ABCA server is not running at ${url}. Start it with \`npm start\` (or \`abca serve\`), or set ABCA_URL.`,
      EXIT.UNREACHABLE,
      { hint: `(${reason})` },
    );
    this.name = 'ServerUnreachableError';
  }
}

const RemovedRepo = z.object({ repo: z.string(), removed: z.boolean() });
const Health = z.object({ status: z.string() });

export type CreateTaskInput = z.input<typeof CreateTaskRequest>;
export type ListTasksInput = { status?: string; repo?: string; limit?: number; next_token?: string };
export type ListEventsInput = { limit?: number; after?: number; next_token?: string };
export type UsageInput = { from?: string; to?: string; group_by?: string; repo?: string; user?: string };
/** What the server says beside a created task (a budget its model's missing price cannot hold). */
const CreatedWarnings = z.object({ warnings: z.array(z.string()).optional() });
export type ListPrsInput = { repo?: string; task_id?: string; limit?: number };
export type ListMemoryInput = { kind?: string; q?: string; limit?: number; next_token?: string };

/**
 * The HTTP client of the `/v1` API. Every answer is checked against the contracts schemas, so a
 * server of another version fails loudly here instead of printing nonsense.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs = 30_000,
  ) {}

  async createTask(body: CreateTaskInput, idempotencyKey?: string) {
    const res = await this.send('POST', '/v1/tasks', {
      body,
      headers: { 'X-Abca-Channel': 'cli', ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}) },
    });
    const task = parse(dataEnvelope(TaskDetail), res.json).data;
    const { warnings } = parse(CreatedWarnings, res.json);
    return { task, replay: res.headers.get('idempotent-replay') === 'true', warnings: warnings ?? [] };
  }

  /** `GET /v1/usage`: dollars and tokens over a period, by repo, user or task. */
  async usage(q: UsageInput) {
    return parse(dataEnvelope(UsageReport), (await this.send('GET', `/v1/usage${query(q)}`)).json).data;
  }

  /** `GET /v1/stats`: the PR loop's figures, overall and per repo. */
  async stats(q: { repo?: string; since?: string }) {
    return parse(dataEnvelope(PrStats), (await this.send('GET', `/v1/stats${query(q)}`)).json).data;
  }

  /** `GET /v1/stats/prs`: each ABCA pull request's outcome, newest first. */
  async prOutcomes(q: { repo?: string; state?: string; since?: string; limit?: number }) {
    return parse(dataEnvelope(z.array(PrOutcome)), (await this.send('GET', `/v1/stats/prs${query(q)}`)).json)
      .data;
  }

  async getUserBudget(userId: string) {
    const res = await this.send('GET', `/v1/users/${seg(userId)}/budget`);
    return parse(dataEnvelope(UserBudget), res.json).data;
  }

  async setUserBudget(userId: string, monthlyBudgetUsd: number | null) {
    const res = await this.send('PUT', `/v1/users/${seg(userId)}/budget`, {
      body: { monthly_budget_usd: monthlyBudgetUsd },
    });
    return parse(dataEnvelope(UserBudget), res.json).data;
  }

  async listIdentities(userId: string) {
    const res = await this.send('GET', `/v1/users/${seg(userId)}/identities`);
    return parse(dataEnvelope(z.array(LinkedIdentity)), res.json).data;
  }

  async linkIdentity(userId: string, provider: IdentityProvider, externalId: string) {
    const res = await this.send('POST', `/v1/users/${seg(userId)}/identities`, {
      body: { provider, external_id: externalId },
    });
    return parse(dataEnvelope(LinkedIdentity), res.json).data;
  }

  async unlinkIdentity(userId: string, provider: IdentityProvider, externalId: string) {
    const res = await this.send(
      'DELETE',
      `/v1/users/${seg(userId)}/identities/${seg(provider)}/${seg(externalId)}`,
    );
    return parse(dataEnvelope(LinkedIdentity), res.json).data;
  }

  async listTasks(q: ListTasksInput) {
    return parse(listEnvelope(TaskSummary), (await this.send('GET', `/v1/tasks${query(q)}`)).json);
  }

  async getTask(id: string) {
    return parse(dataEnvelope(TaskDetail), (await this.send('GET', `/v1/tasks/${seg(id)}`)).json).data;
  }

  async cancelTask(id: string) {
    const res = await this.send('DELETE', `/v1/tasks/${seg(id)}`);
    return parse(dataEnvelope(CancelTaskResponse), res.json).data;
  }

  async nudge(id: string, message: string) {
    const res = await this.send('POST', `/v1/tasks/${seg(id)}/nudge`, { body: { message } });
    return parse(dataEnvelope(NudgeResponse), res.json).data;
  }

  /** `GET /v1/tasks/{id}/approvals`: the task's approval requests, oldest first. */
  async listApprovals(id: string) {
    const res = await this.send('GET', `/v1/tasks/${seg(id)}/approvals`);
    return parse(dataEnvelope(z.array(Approval)), res.json).data;
  }

  /** `POST /v1/tasks/{id}/approve`: approves the request the task waits on (a plan may be edited). */
  async approve(id: string, body: ApproveRequest) {
    const res = await this.send('POST', `/v1/tasks/${seg(id)}/approve`, { body });
    return parse(dataEnvelope(Approval), res.json).data;
  }

  /** `POST /v1/tasks/{id}/deny`: denies it; the reason goes to the agent and into the task's events. */
  async deny(id: string, body: DenyRequest) {
    const res = await this.send('POST', `/v1/tasks/${seg(id)}/deny`, { body });
    return parse(dataEnvelope(Approval), res.json).data;
  }

  async listEvents(id: string, q: ListEventsInput) {
    const res = await this.send('GET', `/v1/tasks/${seg(id)}/events${query(q)}`);
    return parse(listEnvelope(TaskEventRecord), res.json);
  }

  /** Opens the live event stream (server-sent events) after a sequence number; the caller reads the body. */
  async openEventStream(
    id: string,
    after: number,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (after > 0) headers['last-event-id'] = String(after);
    const res = await this.fetch('GET', `/v1/tasks/${seg(id)}/events?follow=true`, {
      headers,
      signal,
      stream: true,
    });
    if (!res.ok) await this.throwApiError(res);
    if (!res.body) throw new CliError('The server sent an empty event stream.', EXIT.FAILURE);
    return res.body;
  }

  async createKey(body: z.input<typeof CreateApiKeyRequest>) {
    return parse(dataEnvelope(CreatedApiKey), (await this.send('POST', '/v1/api-keys', { body })).json).data;
  }

  async listKeys() {
    return parse(listEnvelope(ApiKeyInfo), (await this.send('GET', '/v1/api-keys')).json).data;
  }

  async revokeKey(keyId: string) {
    return parse(dataEnvelope(ApiKeyInfo), (await this.send('DELETE', `/v1/api-keys/${seg(keyId)}`)).json)
      .data;
  }

  /** Creates a signed webhook (admin): the only answer that holds its secret. */
  async createWebhook(body: z.input<typeof CreateWebhookRequest>) {
    return parse(dataEnvelope(CreatedWebhook), (await this.send('POST', '/v1/webhooks', { body })).json).data;
  }

  async listWebhooks() {
    return parse(listEnvelope(WebhookInfo), (await this.send('GET', '/v1/webhooks')).json).data;
  }

  /** Revokes a webhook: its deliveries are refused from now on. */
  async deleteWebhook(webhookId: string) {
    return parse(
      dataEnvelope(WebhookInfo),
      (await this.send('DELETE', `/v1/webhooks/${seg(webhookId)}`)).json,
    ).data;
  }

  /** Onboards a repo: the repo, what verifying it found, and the server's warnings. */
  async addRepo(body: z.input<typeof CreateRepoRequest>) {
    return parse(RepoWriteResponse, (await this.send('POST', '/v1/repos', { body })).json);
  }

  async listRepos() {
    return parse(listEnvelope(RepoInfo), (await this.send('GET', '/v1/repos')).json).data;
  }

  async getRepo(repo: string) {
    return parse(dataEnvelope(RepoInfo), (await this.send('GET', `/v1/repos/${seg(repo)}`)).json).data;
  }

  async removeRepo(repo: string) {
    return parse(dataEnvelope(RemovedRepo), (await this.send('DELETE', `/v1/repos/${seg(repo)}`)).json).data;
  }

  async updateRepo(repo: string, body: z.input<typeof UpdateRepoRequest>) {
    const res = await this.send('PATCH', `/v1/repos/${seg(repo)}`, { body });
    return parse(RepoWriteResponse, res.json);
  }

  async listPrs(q: ListPrsInput) {
    return parse(listEnvelope(ChangeRequestInfo), (await this.send('GET', `/v1/prs${query(q)}`)).json).data;
  }

  /** One pull request; without `withDiff` the (possibly large) diff is left out. */
  async getPr(number: number, opts: { withDiff: boolean }) {
    const res = await this.send('GET', `/v1/prs/${number}${opts.withDiff ? '' : '?diff=false'}`);
    return parse(dataEnvelope(ChangeRequestInfo), res.json).data;
  }

  async listPrComments(number: number) {
    return parse(
      dataEnvelope(z.array(PrComment)),
      (await this.send('GET', `/v1/prs/${number}/comments`)).json,
    ).data;
  }

  async commentPr(number: number, body: z.input<typeof PrCommentRequest>) {
    const res = await this.send('POST', `/v1/prs/${number}/comments`, { body });
    return parse(dataEnvelope(PrComment), res.json).data;
  }

  /** Resolves (or reopens) the review thread holding comment `id`; returns the thread's comments. */
  async resolvePrThread(number: number, id: number, resolved: boolean) {
    const res = await this.send(
      'POST',
      `/v1/prs/${number}/comments/${id}/${resolved ? 'resolve' : 'unresolve'}`,
    );
    return parse(dataEnvelope(z.array(PrComment)), res.json).data;
  }

  async listPrReviews(number: number) {
    return parse(dataEnvelope(z.array(PrReview)), (await this.send('GET', `/v1/prs/${number}/reviews`)).json)
      .data;
  }

  async reviewPr(number: number, body: z.input<typeof PrReviewRequest>) {
    const res = await this.send('POST', `/v1/prs/${number}/reviews`, { body });
    return parse(dataEnvelope(PrReview), res.json).data;
  }

  async mergePr(number: number) {
    return parse(dataEnvelope(PrMergeResult), (await this.send('POST', `/v1/prs/${number}/merge`)).json).data;
  }

  async closePr(number: number) {
    return parse(dataEnvelope(ChangeRequestInfo), (await this.send('POST', `/v1/prs/${number}/close`)).json)
      .data;
  }

  async getTaskDiff(id: string) {
    return parse(dataEnvelope(TaskDiff), (await this.send('GET', `/v1/tasks/${seg(id)}/diff`)).json).data;
  }

  /** A task's diff as the server stores it (`text/x-diff`), byte for byte. */
  async getTaskDiffRaw(id: string): Promise<string> {
    const path = `/v1/tasks/${seg(id)}/diff?format=raw`;
    const res = await this.fetch('GET', path, { headers: { accept: 'text/x-diff, application/json' } });
    if (!res.ok) await this.throwApiError(res);
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/x-diff')) {
      throw new CliError(
        `The server answered GET ${path} with ${type || 'no content type'}, not text/x-diff.`,
        EXIT.FAILURE,
        { hint: 'The CLI and the server are probably different versions; update the older one.' },
      );
    }
    return res.text();
  }

  /** `GET /v1/repos/{repo}/memory`: a page of the repo's memory, newest first. */
  async listMemory(repo: string, q: ListMemoryInput) {
    return parse(listEnvelope(MemoryRecord), (await this.send('GET', `${memoryPath(repo)}${query(q)}`)).json);
  }

  async getMemory(repo: string, id: string) {
    return parse(dataEnvelope(MemoryRecord), (await this.send('GET', `${memoryPath(repo)}/${seg(id)}`)).json)
      .data;
  }

  async addMemory(repo: string, body: z.input<typeof CreateMemoryRequest>) {
    return parse(dataEnvelope(MemoryRecord), (await this.send('POST', memoryPath(repo), { body })).json).data;
  }

  async editMemory(repo: string, id: string, body: z.input<typeof UpdateMemoryRequest>) {
    const res = await this.send('PATCH', `${memoryPath(repo)}/${seg(id)}`, { body });
    return parse(dataEnvelope(MemoryRecord), res.json).data;
  }

  async forgetMemory(repo: string, id: string) {
    return parse(
      dataEnvelope(ForgottenMemory),
      (await this.send('DELETE', `${memoryPath(repo)}/${seg(id)}`)).json,
    ).data;
  }

  async pinMemory(repo: string, id: string, pinned: boolean) {
    const res = await this.send('POST', `${memoryPath(repo)}/${seg(id)}/${pinned ? 'pin' : 'unpin'}`);
    return parse(dataEnvelope(MemoryRecord), res.json).data;
  }

  /** `GET /v1/repos/{repo}/memory/export`: the repo's memory as JSON lines, as the server sent them. */
  async exportMemory(repo: string): Promise<string> {
    const path = `${memoryPath(repo)}/export`;
    // A large repo's export takes longer than a usual answer.
    const res = await this.fetch('GET', path, {
      headers: { accept: `${MEMORY_LINES_CONTENT_TYPE}, application/json` },
      timeoutMs: Math.max(this.timeoutMs, 300_000),
    });
    if (!res.ok) await this.throwApiError(res);
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith(MEMORY_LINES_CONTENT_TYPE)) {
      throw new CliError(
        `The server answered GET ${path} with ${type || 'no content type'}, not ${MEMORY_LINES_CONTENT_TYPE}.`,
        EXIT.FAILURE,
        { hint: 'The CLI and the server are probably different versions; update the older one.' },
      );
    }
    return res.text();
  }

  /** `POST /v1/repos/{repo}/memory/import`: JSON lines; one bad line and nothing is stored. */
  async importMemory(repo: string, lines: string) {
    const res = await this.send('POST', `${memoryPath(repo)}/import`, {
      raw: { body: lines, type: MEMORY_LINES_CONTENT_TYPE },
      timeoutMs: Math.max(this.timeoutMs, 300_000),
    });
    return parse(dataEnvelope(MemoryImportResult), res.json).data;
  }

  /** `GET /v1/admin/config` (admin): the server's effective configuration, without secrets. */
  async adminConfig() {
    return parse(dataEnvelope(ServerConfigInfo), (await this.send('GET', '/v1/admin/config')).json).data;
  }

  /** `GET /v1/admin/env-cache` (admin): the environment cache's snapshots on the server's host. */
  async listEnvCache(q: { repo?: string } = {}) {
    return parse(dataEnvelope(EnvCacheList), (await this.send('GET', `/v1/admin/env-cache${query(q)}`)).json)
      .data;
  }

  /** `DELETE /v1/admin/env-cache` (admin): removes the snapshots of one repo, or all. */
  async clearEnvCache(q: { repo?: string } = {}) {
    return parse(
      dataEnvelope(EnvCacheCleared),
      (await this.send('DELETE', `/v1/admin/env-cache${query(q)}`)).json,
    ).data;
  }

  /** `POST /v1/admin/model-check` (admin): the server asks its model for one token. */
  async modelCheck() {
    return parse(dataEnvelope(ModelCheckResult), (await this.send('POST', '/v1/admin/model-check')).json)
      .data;
  }

  /** `POST /v1/admin/channel-check` (admin): the server asks each configured channel who ABCA is there. */
  async channelCheck() {
    return parse(dataEnvelope(ChannelCheckResult), (await this.send('POST', '/v1/admin/channel-check')).json)
      .data;
  }

  /** `GET /healthz`: true when the server answers; throws {@link ServerUnreachableError} when it does not. */
  async health(timeoutMs = 3000): Promise<boolean> {
    const res = await this.fetch('GET', '/healthz', { timeoutMs });
    const body = Health.safeParse(await res.json().catch(() => null));
    return res.ok && body.success;
  }

  private async send(
    method: string,
    path: string,
    opts: {
      body?: unknown;
      raw?: { body: string; type: string };
      headers?: Record<string, string>;
      timeoutMs?: number;
    } = {},
  ): Promise<{ json: unknown; headers: HttpResponse['headers']; requestId: string | null }> {
    const res = await this.fetch(method, path, opts);
    if (!res.ok) await this.throwApiError(res);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(
        `The server at ${this.baseUrl} answered ${method} ${path} with something that is not JSON.`,
        EXIT.FAILURE,
        {
          hint: 'Is ABCA_URL pointing at an ABCA server?',
        },
      );
    }
    return { json, headers: res.headers, requestId: res.headers.get('x-request-id') };
  }

  private async fetch(
    method: string,
    path: string,
    opts: {
      body?: unknown;
      /** A body that is not JSON (a memory import's JSON lines), sent as is. */
      raw?: { body: string; type: string };
      headers?: Record<string, string>;
      signal?: AbortSignal | undefined;
      stream?: boolean;
      timeoutMs?: number;
    } = {},
  ): Promise<HttpResponse & { body?: ReadableStream<Uint8Array> | null }> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      // The server records a decision sent with it as made from the CLI (channel `cli`).
      'user-agent': USER_AGENT,
      ...(opts.headers ?? {}),
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    } else if (opts.raw) {
      body = opts.raw.body;
      headers['content-type'] = opts.raw.type;
    }
    // A stream stays open as long as the task runs: only the caller's signal ends it.
    const signals = [
      opts.signal,
      opts.stream ? undefined : AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs),
    ];
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const init = {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(live.length ? { signal: AbortSignal.any(live) } : {}),
    };
    try {
      // Only a stream needs fetch's web stream; the rest go through node:http (see http-request.ts).
      return opts.stream
        ? await fetch(`${this.baseUrl}${path}`, init)
        : await httpRequest(`${this.baseUrl}${path}`, init);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ServerUnreachableError(this.baseUrl, networkReason(err));
    }
  }

  private async throwApiError(res: HttpResponse): Promise<never> {
    const text = await res.text().catch(() => '');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = ApiErrorBody.safeParse(raw);
    if (parsed.success) throw new ApiError(res.status, parsed.data.error);
    throw new ApiError(res.status, {
      code: `HTTP_${res.status}`,
      message: `The server answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
      request_id: res.headers.get('x-request-id') ?? 'unknown',
    });
  }
}

/** Why a fetch failed, from undici's `cause` (ECONNREFUSED, ENOTFOUND, a timeout...). */
export function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  // node:http: an abort by the time limit, or the socket's own error code.
  if (
    err instanceof Error &&
    err.name === 'AbortError' &&
    (err.cause as Error | undefined)?.name === 'TimeoutError'
  )
    return 'no answer in time';
  const own = (err as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string' && own !== 'ABORT_ERR') return own;
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CliError(
      `The server's answer does not match this CLI's API contract (${first?.path.join('.') || 'body'}: ${first?.message ?? 'invalid'}).`,
      EXIT.FAILURE,
      { hint: 'The CLI and the server are probably different versions; update the older one.' },
    );
  }
  return parsed.data;
}

function memoryPath(repo: string): string {
  return `/v1/repos/${seg(repo)}/memory`;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function query(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
