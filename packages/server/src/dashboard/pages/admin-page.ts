import {
  type ApiKeyInfo,
  CreateApiKeyRequest,
  type CreatedApiKey,
  type CreatedWebhook,
  CreateWebhookRequest,
  WEBHOOK_SCHEMES,
  WebhookId,
} from '@abca/contracts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { createKeyAs, KeyId, revokeKeyAs } from '../../api/actions/api-key-actions.ts';
import { createWebhookAs, revokeWebhookById } from '../../api/actions/webhook-actions.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { validationError } from '../../api/errors.ts';
import { readParam } from '../../api/validate.ts';
import { listWebhooks, toWebhookInfo } from '../../channels/webhook/webhook-store.ts';
import type { AppError } from '../../ops/errors.ts';
import { listExecutors } from '../../orchestrator/executors.ts';
import { listApiKeys } from '../../store/api-key-store.ts';
import { listUsers } from '../../store/user-store.ts';
import type { DashboardEnv } from '../env.ts';
import { csrfField, type Html, page } from '../layout.ts';
import type { DashboardRouter } from '../router.ts';
import { channelCheckBox, healthSection, modelCheckBox } from './admin-health.ts';
import {
  errorBox,
  expectedError,
  fieldInvalid,
  orErrorPage,
  requireAdminPage,
  statusOf,
} from './error-box.ts';
import { type FormValues, filled, readForm } from './form-input.ts';

export type AdminDeps = Pick<ApiDeps, 'db' | 'admin' | 'webhookSecrets' | 'config'> & {
  /** The server's readiness (`/readyz`); absent: shown as unknown. */
  ready?: () => Promise<boolean>;
};

const DONE: Record<string, string> = {
  'key-revoked': 'Key revoked: it no longer signs in or calls the API.',
  'webhook-revoked': 'Webhook revoked: its deliveries are refused from now on.',
};

/** What one answer adds to the admin page: a secret shown once, a check's result, a form's error. */
interface Extra {
  key?: CreatedApiKey;
  webhook?: CreatedWebhook;
  keyForm?: { values: FormValues; error: AppError };
  webhookForm?: { values: FormValues; error: AppError };
  error?: AppError;
  top?: Html;
}

/**
 * `/admin` (admins only; a member gets a 403 page): users with their roles and linked identities,
 * API keys (a new key is shown once, on the answer to the form only), signed webhooks (a new
 * secret likewise), and the system's health: readiness, the workers' heartbeats, the configuration,
 * and the model and channel checks of `/v1/admin`. Every change goes through the same functions as
 * the API.
 */
export function adminPage(router: DashboardRouter, deps: AdminDeps): void {
  router.get('/admin', (c) =>
    orErrorPage(c, 'admin', async () => {
      requireAdminPage(c);
      return c.html(await render(c, deps, {}));
    }),
  );

  /** A form's POST: admins only; an expected failure re-renders the page with the API's status. */
  const post = (
    path: string,
    run: (c: Context<DashboardEnv>, form: FormValues) => Promise<Response>,
    onError?: (form: FormValues, error: AppError) => Extra,
  ) =>
    router.post(path, (c) =>
      orErrorPage(c, 'admin', async () => {
        requireAdminPage(c);
        let form: FormValues = {};
        try {
          form = await readForm(c);
          return await run(c, form);
        } catch (err) {
          const error = expectedError(err);
          return c.html(await render(c, deps, onError ? onError(form, error) : { error }), statusOf(error));
        }
      }),
    );

  post(
    '/admin/keys',
    async (c, form) => {
      const parsed = CreateApiKeyRequest.safeParse({
        name: form.name ?? '',
        ...(filled(form, 'user_id') ? { user_id: filled(form, 'user_id') } : {}),
        role: form.role ?? 'member',
      });
      if (!parsed.success) throw validationError(parsed.error);
      const key = await createKeyAs(deps.db, c.get('principal'), parsed.data);
      c.get('log').info(
        { keyId: key.key_id, userId: key.user_id, role: key.role },
        'API key created on the dashboard',
      );
      return c.html(await render(c, deps, { key }), 201);
    },
    (values, error) => ({ keyForm: { values, error } }),
  );
  post('/admin/keys/:id/revoke', async (c) => {
    await revokeKeyAs(deps.db, c.get('principal'), readParam(c.req.param('id'), KeyId, 'key_id'));
    return c.redirect('/admin?done=key-revoked#keys', 303);
  });
  post(
    '/admin/webhooks',
    async (c, form) => {
      const parsed = CreateWebhookRequest.safeParse({
        name: form.name ?? '',
        ...(filled(form, 'user_id') ? { user_id: filled(form, 'user_id') } : {}),
        scheme: form.scheme ?? 'standard',
      });
      if (!parsed.success) throw validationError(parsed.error);
      const webhook = await createWebhookAs(deps, c.get('log'), c.get('principal'), parsed.data);
      return c.html(await render(c, deps, { webhook }), 201);
    },
    (values, error) => ({ webhookForm: { values, error } }),
  );
  post('/admin/webhooks/:id/revoke', async (c) => {
    await revokeWebhookById(deps, c.get('log'), readParam(c.req.param('id'), WebhookId, 'webhook_id'));
    return c.redirect('/admin?done=webhook-revoked#webhooks', 303);
  });
  post('/admin/model-check', async (c) =>
    c.html(await render(c, deps, { top: modelCheckBox(await deps.admin.checkModel()) })),
  );
  post('/admin/channel-check', async (c) =>
    c.html(await render(c, deps, { top: channelCheckBox(await deps.admin.checkChannels()) })),
  );
}

async function render(c: Context<DashboardEnv>, deps: AdminDeps, x: Extra): Promise<Html> {
  const session = c.get('session');
  const [users, keys, webhooks, executors, ready, config] = await Promise.all([
    listUsers(deps.db),
    listApiKeys(deps.db),
    listWebhooks(deps.db),
    listExecutors(deps.db),
    deps.ready ? deps.ready().catch(() => false) : Promise.resolve(undefined),
    deps.admin.config().catch(() => undefined),
  ]);
  const done = DONE[c.req.query('done') ?? ''];
  const csrf = csrfField(session);
  return page({
    title: 'Admin',
    session,
    section: 'admin',
    body: html`<h1>Admin</h1>
${done ? html`<p class="notice" role="status">${done}</p>` : ''}
${x.error ? errorBox(x.error) : ''}
${x.top ?? ''}
${healthSection({ ready, executors, staleMs: deps.config.executorStaleMs, config, now: Date.now() })}
<section class="card">
<h2>Checks</h2>
<form method="post" action="/admin/model-check" class="inline">${csrf}<button type="submit" class="secondary">Check the model</button></form>
<form method="post" action="/admin/channel-check" class="inline">${csrf}<button type="submit" class="secondary">Check the channels</button></form>
<p class="hint">The model check asks the configured model for one token; the channel check asks Slack who ABCA is there.</p>
</section>
<section class="card" id="users">
<h2>Users</h2>
<table class="users">
<thead><tr><th>User</th><th>Role</th><th>Live keys</th><th>Linked identities</th><th>Since</th></tr></thead>
<tbody>${users.map(
      (u) =>
        html`<tr><td>${u.user_id}</td><td>${u.role}</td><td>${u.live_keys}</td><td>${u.identities.length ? u.identities.map((i) => html`<span class="identity">${i.provider}: ${i.external_id}</span> `) : html`<span class="hint">none</span>`}</td><td>${u.created_at.toISOString().slice(0, 10)}</td></tr>`,
    )}</tbody>
</table>
<p class="hint">Identities are linked with <code>abca users link</code>; a linked GitHub or Slack account acts as its user.</p>
</section>
${keysSection(session, keys, x)}
${webhooksSection(session, webhooks.map(toWebhookInfo), x)}`,
  });
}

function keysSection(session: DashboardEnv['Variables']['session'], keys: ApiKeyInfo[], x: Extra): Html {
  const v = x.keyForm?.values ?? {};
  const bad = (f: string) => (fieldInvalid(x.keyForm?.error, f) ? html` aria-invalid="true"` : '');
  return html`<section class="card" id="keys">
<h2>API keys</h2>
${
  x.key
    ? html`<div class="notice secret" role="status"><p><strong>New key for ${x.key.user_id} (${x.key.role}).</strong> Copy it now: it is shown this once and never again.</p><pre class="secret">${x.key.key}</pre></div>`
    : ''
}
<table class="keys">
<thead><tr><th>Key</th><th>Name</th><th>User</th><th>Role</th><th>Last used</th><th>State</th><th></th></tr></thead>
<tbody>${keys.map(
    (k) =>
      html`<tr><td><code>${k.prefix}…</code></td><td>${k.name}</td><td>${k.user_id}</td><td>${k.role}</td><td>${k.last_used_at?.slice(0, 16).replace('T', ' ') ?? 'never'}</td><td>${k.revoked_at ? 'revoked' : 'live'}</td><td>${
        k.revoked_at
          ? ''
          : html`<form method="post" action="/admin/keys/${k.key_id}/revoke" class="inline" data-confirm="Revoke this key? Whoever uses it is signed out.">${csrfField(session)}<button type="submit" class="danger">Revoke</button></form>`
      }</td></tr>`,
  )}</tbody>
</table>
<h3>Create a key</h3>
${x.keyForm ? errorBox(x.keyForm.error) : ''}
<form method="post" action="/admin/keys" autocomplete="off">
${csrfField(session)}
<label for="k-name">Name</label><input id="k-name" name="name" type="text" required value="${v.name ?? ''}"${bad('name')}>
<label for="k-user">User (blank: a new user named after the key)</label><input id="k-user" name="user_id" type="text" value="${v.user_id ?? ''}"${bad('user_id')}>
<label for="k-role">Role</label>
<select id="k-role" name="role"${bad('role')}>${['member', 'admin'].map((r) => html`<option value="${r}"${(v.role ?? 'member') === r ? html` selected` : ''}>${r}</option>`)}</select>
<button type="submit">Create key</button>
</form>
</section>`;
}

function webhooksSection(
  session: DashboardEnv['Variables']['session'],
  hooks: ReturnType<typeof toWebhookInfo>[],
  x: Extra,
): Html {
  const v = x.webhookForm?.values ?? {};
  const bad = (f: string) => (fieldInvalid(x.webhookForm?.error, f) ? html` aria-invalid="true"` : '');
  return html`<section class="card" id="webhooks">
<h2>Webhooks</h2>
${
  x.webhook
    ? html`<div class="notice secret" role="status"><p><strong>Webhook ${x.webhook.webhook_id} created.</strong> Its tasks are made as ${x.webhook.user_id}. Copy the secret now: it is shown this once.</p><pre class="secret">${x.webhook.secret}</pre><p>Deliveries go to <code>/v1/webhooks/${x.webhook.webhook_id}/tasks</code>, signed with it.</p></div>`
    : ''
}
${
  hooks.length
    ? html`<table class="webhooks">
<thead><tr><th>Webhook</th><th>Name</th><th>User</th><th>Scheme</th><th>Last used</th><th>State</th><th></th></tr></thead>
<tbody>${hooks.map(
        (w) =>
          html`<tr><td><code>${w.webhook_id}</code></td><td>${w.name}</td><td>${w.user_id}</td><td>${w.scheme}</td><td>${w.last_used_at?.slice(0, 16).replace('T', ' ') ?? 'never'}</td><td>${w.revoked_at ? 'revoked' : 'live'}</td><td>${
            w.revoked_at
              ? ''
              : html`<form method="post" action="/admin/webhooks/${w.webhook_id}/revoke" class="inline" data-confirm="Revoke this webhook? Its deliveries are refused from now on.">${csrfField(session)}<button type="submit" class="danger">Revoke</button></form>`
          }</td></tr>`,
      )}</tbody>
</table>`
    : html`<p>No webhooks.</p>`
}
<h3>Create a webhook</h3>
${x.webhookForm ? errorBox(x.webhookForm.error) : ''}
<form method="post" action="/admin/webhooks" autocomplete="off">
${csrfField(session)}
<label for="w-name">Name</label><input id="w-name" name="name" type="text" required value="${v.name ?? ''}"${bad('name')}>
<label for="w-user">Its tasks are made as (blank: you)</label><input id="w-user" name="user_id" type="text" value="${v.user_id ?? ''}"${bad('user_id')}>
<label for="w-scheme">Signature scheme</label>
<select id="w-scheme" name="scheme"${bad('scheme')}>${WEBHOOK_SCHEMES.map((s) => html`<option value="${s}"${(v.scheme ?? 'standard') === s ? html` selected` : ''}>${s}</option>`)}</select>
<button type="submit">Create webhook</button>
</form>
</section>`;
}
