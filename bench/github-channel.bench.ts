/**
 * GitHub as a channel: deliveries per second through `POST /webhooks/github` (signature, parse,
 * rate limit, dedupe, the permission check against the fake GitHub, identity, the gateway) to a
 * created task, next to `POST /v1/tasks` at the same concurrency in the same run; and the time
 * from sending a delivery to the first status comment on the issue. API-only platform, so no
 * workflow competes for the cores. Each figure is the median of the runs with its spread; the
 * throughput runs alternate deliveries and API creations.
 */
import { startFakeGitHub } from '@abca/fake-github';
import { createGitHubChannelApi } from '../packages/server/src/channels/github/github-api.ts';
import { createGitHubChannelNotifier } from '../packages/server/src/channels/github/notifier.ts';
import { linkIdentity } from '../packages/server/src/channels/identities.ts';
import { startOutboxDispatcher } from '../packages/server/src/channels/outbox-dispatcher.ts';
import { createLogger } from '../packages/server/src/ops/logger.ts';
import { createMetrics } from '../packages/server/src/ops/metrics.ts';
import { startBenchPlatform } from './bench-database.ts';
import { type BenchResult, fromRuns, percentile, printTable, throughput } from './bench-result.ts';
import { benchConfig } from './config/bench-config.ts';

const TOTAL = benchConfig.createTotal;
const SAMPLES = benchConfig.latencySamples;
const CONCURRENCY = 8;
const RUNS = benchConfig.runs;
const TOKEN = 'ghp_benchChannelToken0123456789abcdefAB';
const SECRET = 'bench-github-webhook-secret-01';

export async function run(): Promise<BenchResult[]> {
  const gh = await startFakeGitHub({
    repos: [{ owner: 'acme', name: 'web' }],
    tokens: { [TOKEN]: { login: 'abca-bot', permissions: 'write' } },
  });
  gh.setCollaborator('acme', 'web', 'alice', 'write');
  const bench = await startBenchPlatform(
    {
      ABCA_MAX_TASKS_PER_USER: '100000',
      ABCA_MAX_TASKS_PER_REPO: '100000',
      ABCA_MAX_TASKS: '100000',
      ABCA_GITHUB_TOKEN: TOKEN,
      ABCA_GITHUB_API_URL: gh.apiUrl,
      ABCA_GITHUB_WEBHOOK_SECRET: SECRET,
      ABCA_GITHUB_BOT_LOGIN: 'abca-bot',
      ABCA_CHANNEL_RATE_PER_MINUTE: '1000000',
    },
    { apiOnly: true },
  );
  const base = bench.platform.url as string;
  const onboard = await fetch(`${base}/v1/repos`, {
    method: 'POST',
    headers: bench.headers,
    body: JSON.stringify({ repo: 'acme/web' }),
  });
  if (onboard.status !== 201) throw new Error(`onboarding failed: ${onboard.status} ${await onboard.text()}`);
  await linkIdentity(bench.platform.db, 'github', 'alice', 'admin');
  const hook = `${base}/webhooks/github`;
  const delivery = (number: number) =>
    gh.webhookDelivery({
      event: 'issues',
      action: 'labeled',
      owner: 'acme',
      name: 'web',
      number,
      sender: 'alice',
      label: 'abca',
      secret: SECRET,
    });
  const send = async (d: ReturnType<typeof delivery>) => {
    const res = await gh.sendWebhook(hook, d);
    if (res.status !== 201) throw new Error(`delivery failed: ${res.status} ${res.body}`);
    return JSON.parse(res.body).data.task_id as string;
  };

  // Throughput: deliveries built (and signed) beforehand, as GitHub would have them ready.
  const body = JSON.stringify({ repo: 'acme/web', issue_number: 1 });
  const deliveryRates: number[] = [];
  const apiRates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const deliveries = Array.from({ length: TOTAL }, (_, i) =>
      delivery(gh.addIssue('acme', 'web', { title: `t${r}.${i}` })),
    );
    deliveryRates.push(
      await throughput(TOTAL, CONCURRENCY, (i) => send(deliveries[i] as ReturnType<typeof delivery>)),
    );
    apiRates.push(
      await throughput(TOTAL, CONCURRENCY, async () => {
        const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: bench.headers, body });
        if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
        await res.text();
      }),
    );
  }

  // Latency: delivery sent -> the first status comment on the issue.
  await bench.platform.db.query('UPDATE channel_outbox SET delivered_at = now() WHERE delivered_at IS NULL');
  const notifier = createGitHubChannelNotifier({
    db: bench.platform.db,
    api: createGitHubChannelApi({ github: bench.platform.config.github }),
    log: createLogger({ level: 'silent' }),
    botLogin: 'abca-bot',
  });
  // The platform is API-only (no workflow competes for the cores), so the product's outbox
  // dispatcher runs here, as a worker would run it: woken by the outbox's notifications.
  const dispatcher = await startOutboxDispatcher({
    db: bench.platform.db,
    databaseUrl: bench.databaseUrl,
    notifiers: [notifier],
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics(bench.platform.db),
  });
  const p50: number[] = [];
  const p95: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const number = gh.addIssue('acme', 'web', { title: `latency ${r}.${i}` });
      const d = delivery(number);
      const t0 = performance.now();
      await send(d);
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error('no status comment within 30 s');
        if (gh.issueComments('acme', 'web', number).some((c) => c.body.includes('<!-- abca:task:'))) break;
        await new Promise((res) => setTimeout(res, 2));
      }
      latencies.push(performance.now() - t0);
    }
    p50.push(percentile(latencies, 50));
    p95.push(percentile(latencies, 95));
  }
  await dispatcher.stop();
  await bench.close();
  await gh.close();
  const name = `tasks via POST /webhooks/github, ${TOTAL} deliveries a run, concurrency ${CONCURRENCY}`;
  const how = 'outbox dispatcher';
  return [
    fromRuns(name, deliveryRates, 'ops/s', { name: 'POST /v1/tasks, same run', values: apiRates }),
    fromRuns(`delivery -> first status comment p50 of ${SAMPLES} (${how})`, p50, 'ms'),
    fromRuns(`delivery -> first status comment p95 of ${SAMPLES} (${how})`, p95, 'ms'),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else printTable('GitHub channel', results);
  process.exit(0);
}
