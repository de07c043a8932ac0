import type { ChannelCheck, ModelCheckResult, ServerConfigInfo } from '@abca/contracts';
import { ApiClient, ApiError, ServerUnreachableError } from '../client.ts';
import type { CheckResult, DoctorContext } from './check.ts';
import { githubChannelResult } from './github-channel.ts';
import { slackResult } from './slack.ts';

/** What doctor learnt from the server: whether it answers and, with an admin key, how it is configured. */
export interface ServerReport {
  reachable: boolean;
  /** The server's own configuration, when an admin key could read it. */
  config: ServerConfigInfo | undefined;
  results: CheckResult[];
}

/**
 * Asks the server the client commands would use: `/healthz`, then (with an admin key) its effective
 * configuration and a one-token request to its model. These checks are about the server's machine
 * and environment, not this one's.
 */
export async function inspectServer({ url, apiKey }: DoctorContext): Promise<ServerReport> {
  const where = `${url.value} (from ${url.source})`;
  const server = (r: Omit<CheckResult, 'where'>): CheckResult => ({ ...r, where: 'server' });
  /** The server check alone: doctor can go no further with this server. */
  const only = (reachable: boolean, r: Omit<CheckResult, 'where' | 'name'>): ServerReport => ({
    reachable,
    config: undefined,
    results: [server({ name: 'server', ...r })],
  });
  try {
    const healthy = await new ApiClient(url.value, undefined).health(3000);
    if (!healthy) {
      return only(false, {
        status: 'warn',
        detail: `something answers at ${where} but it is not a healthy ABCA server`,
        fix: 'check ABCA_URL / --url points at the ABCA server, and its logs',
      });
    }
  } catch (err) {
    if (!(err instanceof ServerUnreachableError)) throw err;
    return only(false, {
      status: 'warn',
      detail: `not running at ${where} (${err.reason}); the checks above are of this machine as \`abca serve\` here would run`,
      fix: 'start it with `npm start` (or `abca serve`), or point the CLI at it: --url, ABCA_URL or ABCA_PORT',
    });
  }
  if (!apiKey) {
    return only(true, {
      status: 'warn',
      detail: `answering at ${where}; without an admin key doctor cannot read its configuration`,
      fix: 'pass an admin key with --api-key or ABCA_API_KEY (on the server machine: $ABCA_HOME/admin.key)',
    });
  }
  const client = new ApiClient(url.value, apiKey);
  let config: ServerConfigInfo;
  try {
    config = await client.adminConfig();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      return only(true, {
        status: 'warn',
        detail: `answering at ${where}; its configuration needs an admin key (${err.status === 401 ? 'the key was refused' : 'this key is not an admin key'})`,
        fix: 'pass an admin key with --api-key or ABCA_API_KEY',
      });
    }
    throw err;
  }
  const model = await client.modelCheck();
  // A server from before channel checks answers 404: its configuration is all doctor judges then.
  const channels = await client.channelCheck().catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return { channels: [] };
    throw err;
  });
  return {
    reachable: true,
    config,
    results: [
      server({
        name: 'server',
        status: 'ok',
        detail: `answering at ${where}: host ${config.host.hostname}, pid ${config.host.pid}, state folder ${config.host.state_folder}`,
      }),
      server({
        name: 'configuration',
        status: 'ok',
        detail: [
          config.database.kind === 'embedded'
            ? `embedded PostgreSQL (data in ${config.database.location})`
            : `PostgreSQL at ${config.database.location}`,
          `agent runtime ${config.agent_runtime}`,
          `caps ${config.caps.per_user}/user ${config.caps.per_repo}/repo ${config.caps.global} total, ${config.caps.worker_slots} slots`,
          `notifier ${config.channels.notifier}`,
          config.costs.default_max_budget_usd === null
            ? 'no default task budget'
            : `default task budget $${config.costs.default_max_budget_usd}`,
          config.costs.priced_models.length
            ? `operator prices for ${config.costs.priced_models.join(', ')}`
            : 'built-in prices only',
          `graceful stop within ${config.limits.stop_timeout_s} s`,
          `forges ${config.forges
            .filter((f) => f.configured)
            .map((f) => f.kind)
            .join(', ')}`,
        ].join('; '),
      }),
      ...config.forges
        .filter((f) => !f.configured)
        .map((f) =>
          server({
            name: `forge: ${f.kind}`,
            status: 'ok',
            detail: `not configured (${f.detail})`,
          }),
        ),
      server(sandboxResult(config)),
      server(modelResult(model, config)),
      ...[githubChannelResult(config, url.value)].flatMap((r) => (r ? [server(r)] : [])),
      ...[slackResult(config)].filter((r) => r !== undefined).map(server),
      ...channels.channels
        .filter((c) => c.status !== 'not_configured')
        .map((c) => server(channelCheckResult(c))),
    ],
  };
}

function sandboxResult(config: ServerConfigInfo): Omit<CheckResult, 'where'> {
  const { backend, available, reason, remedy } = config.sandbox;
  if (available)
    return {
      name: 'sandbox',
      status: backend === 'local' ? 'warn' : 'ok',
      detail:
        backend === 'local'
          ? 'ABCA_SANDBOX=local: agents run without isolation (development only)'
          : `${backend} works on the server`,
      ...(backend === 'local'
        ? { fix: 'unset ABCA_SANDBOX on the server to isolate agents with bubblewrap' }
        : {}),
    };
  return {
    name: 'sandbox',
    status: 'fail',
    detail: `${backend} is not available on the server: ${reason ?? 'unknown reason'}; tasks fail pre-flight`,
    fix: remedy ?? 'run `abca doctor` on the server machine',
  };
}

function modelResult(model: ModelCheckResult, config: ServerConfigInfo): Omit<CheckResult, 'where'> {
  const endpoint = model.base_url ? ` at ${model.base_url}` : '';
  switch (model.status) {
    case 'ok':
      return {
        name: 'model',
        status: 'ok',
        detail: `${model.ref}${endpoint} answered in ${model.latency_ms} ms`,
      };
    case 'skipped':
      return {
        name: 'model',
        status: 'ok',
        detail: `not used: the server runs the fake agent runtime${config.model.ref ? ` (ABCA_MODEL=${config.model.ref})` : ''}`,
      };
    case 'not_configured':
      return {
        name: 'model',
        status: 'warn',
        detail: `${model.error?.message ?? 'no model configured'}: tasks fail with MODEL_NOT_CONFIGURED`,
        ...(model.remedy ? { fix: model.remedy } : {}),
      };
    default:
      return {
        name: 'model',
        status: 'fail',
        detail: `${model.ref}${endpoint} did not answer: ${model.error ? `${model.error.code}: ${model.error.message}` : 'unknown error'}`,
        ...(model.remedy ? { fix: model.remedy } : {}),
      };
  }
}

/** What the server's live check of a channel found (Slack: `auth.test` with its bot token). */
function channelCheckResult(check: ChannelCheck): Omit<CheckResult, 'where'> {
  const took = check.latency_ms === null ? '' : ` in ${check.latency_ms} ms`;
  return check.status === 'ok'
    ? { name: `${check.channel} answers`, status: 'ok', detail: `${check.detail}${took}` }
    : {
        name: `${check.channel} answers`,
        status: 'fail',
        detail: check.detail,
        ...(check.remedy ? { fix: check.remedy } : {}),
      };
}
