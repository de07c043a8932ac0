import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type FakeGitHub, startFakeGitHub } from '@abca/fake-github';
import { createScriptedModelServer, type ScriptedModelServer } from '@abca/model-kit';
import { startTestPlatform, type TestPlatform } from './platform.ts';

const TOKEN = 'ghp_e2eGitHubWorldToken0123456789abcdefAB';
const SECRET = 'e2e-github-world-webhook-secret';

/** The fake GitHub, the scripted model and the real platform wired together, one repo onboarded. */
export interface GitHubWorld {
  gh: FakeGitHub;
  model: ScriptedModelServer;
  p: TestPlatform;
  /** The bot's token (the login `abca-bot`, write access). */
  token: string;
  close(): Promise<void>;
}

/**
 * The world of the end-to-end tests on GitHub: the fake GitHub with `owner/name` seeded from
 * `files` (the bot `abca-bot` holds a write token; `collaborators` get their access), a scripted
 * model, and the real platform with the built-in agent, the GitHub forge and channel, whose signed
 * webhook deliveries the fake sends; the repo onboarded with `settings`. `env` adds to or overrides
 * the platform's environment (ABCA_PR_POLL_S: 600 unless said — webhooks make the watcher prompt).
 */
export async function startGitHubWorld(o: {
  owner: string;
  name: string;
  files: Record<string, string>;
  collaborators?: Record<string, 'read' | 'write' | 'admin'>;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  model?: ScriptedModelServer;
}): Promise<GitHubWorld> {
  const seed = mkdtempSync(join(tmpdir(), 'abca-seed-'));
  for (const [path, text] of Object.entries(o.files)) {
    mkdirSync(dirname(join(seed, path)), { recursive: true });
    writeFileSync(join(seed, path), text);
  }
  const gh = await startFakeGitHub({
    repos: [{ owner: o.owner, name: o.name, defaultBranch: 'main', seedDir: seed }],
    tokens: { [TOKEN]: { login: 'abca-bot', permissions: 'write' } },
  });
  for (const [login, access] of Object.entries(o.collaborators ?? {}))
    gh.setCollaborator(o.owner, o.name, login, access);
  const model = o.model ?? (await createScriptedModelServer());
  const p = await startTestPlatform({
    ABCA_AGENT_RUNTIME: 'builtin',
    ABCA_MODEL: 'openai-compatible:scripted',
    ABCA_MODEL_BASE_URL: model.baseUrl,
    ABCA_GITHUB_TOKEN: TOKEN,
    ABCA_GITHUB_API_URL: gh.apiUrl,
    ABCA_GITHUB_WEBHOOK_SECRET: SECRET,
    ABCA_GITHUB_BOT_LOGIN: 'abca-bot',
    ABCA_PR_POLL_S: '600',
    ...o.env,
  });
  gh.deliverWebhooks({ url: `${p.platform.url}/webhooks/github`, secret: SECRET });
  const added = await p.request('POST', '/v1/repos', {
    body: { repo: `${o.owner}/${o.name}`, ...(o.settings ? { settings: o.settings } : {}) },
  });
  if (added.status !== 201) throw new Error(`onboarding failed: ${JSON.stringify(added.body)}`);
  return {
    gh,
    model,
    p,
    token: TOKEN,
    async close() {
      gh.deliverWebhooks(undefined);
      await p.platform.stop();
      await model.close();
      await gh.close();
    },
  };
}
