import type { ChannelCheck, ModelCheckResult, ServerConfigInfo } from '@abca/contracts';
import { html } from 'hono/html';
import type { Html } from '../layout.ts';

export interface ExecutorView {
  executor_id: string;
  kind: string;
  hostname: string;
  pid: number;
  heartbeat_at: Date;
  stopped_at: Date | null;
}

/** A worker's state from its heartbeat: stopped cleanly, live, or silent (later than the stale limit). */
export function executorState(e: ExecutorView, now: number, staleMs: number): 'stopped' | 'live' | 'silent' {
  if (e.stopped_at) return 'stopped';
  return now - e.heartbeat_at.getTime() > staleMs ? 'silent' : 'live';
}

/** Readiness, the workers and their heartbeats, and what the server runs with (never a secret). */
export function healthSection(o: {
  ready: boolean | undefined;
  executors: ExecutorView[];
  staleMs: number;
  config: ServerConfigInfo | undefined;
  now: number;
}): Html {
  const c = o.config;
  return html`<section class="card" id="health">
<h2>System health</h2>
<p>Readiness: ${o.ready === undefined ? html`<span class="state">unknown</span>` : o.ready ? html`<span class="state ok">ready</span>` : html`<span class="state bad">not ready</span>`}</p>
<h3>Workers</h3>
${
  o.executors.length
    ? html`<table class="executors">
<thead><tr><th>Executor</th><th>Kind</th><th>Host</th><th>PID</th><th>Last heartbeat</th><th>State</th></tr></thead>
<tbody>${o.executors.map((e) => {
        const state = executorState(e, o.now, o.staleMs);
        const age = Math.max(0, Math.round((o.now - e.heartbeat_at.getTime()) / 1000));
        return html`<tr><td>${e.executor_id}</td><td>${e.kind}</td><td>${e.hostname}</td><td>${e.pid}</td><td>${age} s ago</td><td class="state ${state === 'live' ? 'ok' : state === 'silent' ? 'bad' : ''}">${state}</td></tr>`;
      })}</tbody>
</table>
<p class="hint">Silent: no heartbeat for ${Math.round(o.staleMs / 1000)} s (ABCA_EXECUTOR_STALE_MS); another worker takes over its tasks.</p>`
    : html`<p>No workers have registered.</p>`
}
${
  c
    ? html`<h3>Configuration</h3>
<dl class="facts">
<dt>Model</dt><dd>${c.model.ref ?? 'not set'}${c.model.ref ? (c.model.credentials_set ? ' (credentials set)' : ' (no credentials)') : ''}</dd>
<dt>Agent runtime</dt><dd>${c.agent_runtime}</dd>
<dt>Sandbox</dt><dd>${c.sandbox.backend}: ${c.sandbox.available ? 'available' : html`not available${c.sandbox.reason ? html` (${c.sandbox.reason})` : ''}`}</dd>
<dt>Database</dt><dd>${c.database.kind} (${c.database.location})</dd>
<dt>Forges</dt><dd>${c.forges.map((f) => `${f.kind}: ${f.configured ? f.detail : 'not configured'}`).join('; ')}</dd>
<dt>Channels</dt><dd>notifier ${c.channels.notifier}${c.channels.github ? '; GitHub' : ''}${c.channels.slack ? '; Slack' : ''}</dd>
<dt>Caps</dt><dd>${c.caps.per_user} per user, ${c.caps.per_repo} per repo, ${c.caps.global} in all, ${c.caps.worker_slots} slots a worker</dd>
</dl>`
    : ''
}
</section>`;
}

/** The result of a model check (one token asked of the configured model). */
export function modelCheckBox(r: ModelCheckResult): Html {
  return html`<div class="${r.status === 'ok' ? 'notice' : r.status === 'failed' ? 'error' : 'notice'}" role="status">
<p><strong>Model check: ${r.status}</strong>${r.ref ? html` (${r.ref})` : ''}${r.latency_ms !== null ? html` in ${r.latency_ms} ms` : ''}</p>
${r.error ? html`<p><code>${r.error.code}</code>: ${r.error.message}</p>` : ''}
${r.remedy ? html`<p>How to fix it: ${r.remedy}</p>` : ''}
</div>`;
}

/** The result of the channel checks (each configured channel's service asked who ABCA is there). */
export function channelCheckBox(checks: ChannelCheck[]): Html {
  return html`<div class="notice" role="status">
<p><strong>Channel check</strong></p>
${checks.length ? html`<ul>${checks.map((ch) => html`<li><strong>${ch.channel}</strong>: ${ch.status}; ${ch.detail}${ch.remedy ? html` (${ch.remedy})` : ''}</li>`)}</ul>` : html`<p>No channel is configured.</p>`}
</div>`;
}
