import {
  GITHUB_TRIGGERS,
  type RepoInfo,
  type RepoSettings,
  UpdateRepoRequest,
  VALIDATION_MODES,
} from '@abca/contracts';
import { html } from 'hono/html';
import { validationError } from '../../api/errors.ts';
import { AppError } from '../../ops/errors.ts';
import { csrfField, type Html } from '../layout.ts';
import type { Session } from '../session-store.ts';
import { fieldInvalid } from './error-box.ts';
import { checked, type FormValues, filled, lines, numberField } from './form-input.ts';
import { repoHref } from './repo-paths.ts';

const TEXT = ['model', 'trigger_label', 'mention_name', 'pr_stop_label', 'default_branch'] as const;
const COMMANDS = ['setup_command', 'build_command', 'test_command', 'lint_command'] as const;
const NUMBERS = [
  'max_turns',
  'max_budget_usd',
  'monthly_budget_usd',
  'max_concurrency',
  'pr_max_iterations',
  'pr_max_spend_usd',
] as const;
const SWITCHES = ['memory', 'pr_watch'] as const;

/** A repo's stored settings as the form's fields (what the form shows before any edit). */
export function settingsToForm(s: RepoSettings): FormValues {
  const out: FormValues = {};
  for (const k of [...TEXT, ...COMMANDS]) if (s[k] !== undefined) out[k] = String(s[k]);
  for (const k of NUMBERS) if (s[k] !== undefined) out[k] = String(s[k]);
  for (const k of SWITCHES) out[k] = s[k] === undefined ? 'default' : s[k] ? 'on' : 'off';
  if (s.validation_mode) out.validation_mode = s.validation_mode;
  if (s.network_allowlist) out.network_allowlist = s.network_allowlist.join('\n');
  for (const t of s.github_triggers ?? GITHUB_TRIGGERS) out[`github_triggers.${t}`] = 'on';
  if (s.approvals) out.approvals = JSON.stringify(s.approvals, null, 2);
  out.verify = 'on';
  return out;
}

/**
 * The form as the PATCH the API takes: a blank field clears its setting (back to the default), the
 * default branch only when it changed (a change is a move, checked against the remote). Checked by
 * the same schema as `PATCH /v1/repos/{repo}`, so a bad field is named as the API names it
 * (`settings.approvals.tools.commands.0`).
 */
export function formToUpdate(form: FormValues, current: RepoInfo): UpdateRepoRequest {
  const settings: Record<string, unknown> = {};
  for (const k of [...TEXT, ...COMMANDS]) settings[k] = filled(form, k) ?? null;
  for (const k of NUMBERS) settings[k] = numberField(form, k) ?? null;
  for (const k of SWITCHES) {
    const v = form[k];
    settings[k] = v === 'on' ? true : v === 'off' ? false : null;
  }
  settings.validation_mode = filled(form, 'validation_mode') ?? null;
  const hosts = lines(form, 'network_allowlist');
  settings.network_allowlist = hosts.length ? hosts : null;
  const triggers = GITHUB_TRIGGERS.filter((t) => checked(form, `github_triggers.${t}`));
  settings.github_triggers = triggers.length === GITHUB_TRIGGERS.length ? null : triggers;
  settings.approvals = approvalsField(filled(form, 'approvals'));
  const branch = filled(form, 'default_branch');
  if ((branch ?? undefined) === current.settings.default_branch) delete settings.default_branch;
  const parsed = UpdateRepoRequest.safeParse({ settings, verify: checked(form, 'verify') });
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

function approvalsField(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = `is not valid JSON (${(err as Error).message})`;
    throw new AppError('VALIDATION_ERROR', `Invalid request: settings.approvals: ${why}`, {
      details: [{ field: 'settings.approvals', message: why }],
    });
  }
}

/** The settings form of an admin; `values` are the stored settings or what was just posted. */
export function settingsForm(o: {
  session: Session;
  repo: string;
  values: FormValues;
  error?: AppError | undefined;
}): Html {
  const v = o.values;
  const bad = (name: string) => fieldInvalid(o.error, `settings.${name}`);
  const input = (name: string, label: string, type: 'text' | 'number', hint?: string) =>
    html`<label for="f-${name}">${label}</label>
<input id="f-${name}" name="${name}" type="${type}"${type === 'number' ? html` step="any"` : ''} value="${v[name] ?? ''}"${bad(name) ? html` aria-invalid="true"` : ''}>
${hint ? html`<small class="hint">${hint}</small>` : ''}`;
  const area = (name: string, label: string, cls: string, hint?: string) =>
    html`<label for="f-${name}">${label}</label>
<textarea id="f-${name}" name="${name}" class="${cls}"${bad(name) ? html` aria-invalid="true"` : ''}>${v[name] ?? ''}</textarea>
${hint ? html`<small class="hint">${hint}</small>` : ''}`;
  const select = (name: string, label: string, options: readonly (readonly [string, string])[]) =>
    html`<label for="f-${name}">${label}</label>
<select id="f-${name}" name="${name}"${bad(name) ? html` aria-invalid="true"` : ''}>${options.map(
      ([value, text]) =>
        html`<option value="${value}"${(v[name] ?? '') === value ? html` selected` : ''}>${text}</option>`,
    )}</select>`;
  const onOff = [
    ['default', 'Default (on)'],
    ['on', 'On'],
    ['off', 'Off'],
  ] as const;
  return html`<form method="post" action="${repoHref(o.repo)}" class="settings">
${csrfField(o.session)}
<fieldset><legend>Commands</legend>
${area('setup_command', 'Setup command', 'short')}
${area('build_command', 'Build command', 'short')}
${area('test_command', 'Test command', 'short')}
${area('lint_command', 'Lint command', 'short')}
${select('validation_mode', 'Validation mode', [['', 'Default (strict)'], ...VALIDATION_MODES.map((m) => [m, m] as const)])}
</fieldset>
<fieldset><legend>Model and budgets</legend>
${input('model', 'Model', 'text', 'provider:model, e.g. anthropic:claude-sonnet-4-5; blank: the server default')}
${input('max_turns', 'Max turns', 'number')}
${input('max_budget_usd', 'Budget per task (USD)', 'number')}
${input('monthly_budget_usd', 'Monthly budget (USD)', 'number')}
${input('max_concurrency', 'Tasks at once', 'number')}
</fieldset>
<fieldset><legend>Sandbox network</legend>
${area('network_allowlist', 'Allowed hosts (one a line)', 'short', 'registry.npmjs.org, *.example.com, host:8443')}
</fieldset>
<fieldset><legend>GitHub triggers</legend>
${GITHUB_TRIGGERS.map(
  (t) =>
    html`<label class="check"><input type="checkbox" name="github_triggers.${t}"${v[`github_triggers.${t}`] !== undefined ? html` checked` : ''}> ${t}</label>`,
)}
${input('trigger_label', 'Trigger label', 'text', 'default abca')}
${input('mention_name', 'Mention name', 'text', 'default abca')}
</fieldset>
<fieldset><legend>Memory and PR watch</legend>
${select('memory', 'Memory', onOff)}
${select('pr_watch', 'PR watch', onOff)}
${input('pr_max_iterations', 'Iterations per PR', 'number')}
${input('pr_max_spend_usd', 'Spend per PR (USD)', 'number')}
${input('pr_stop_label', 'Stop label', 'text')}
</fieldset>
<fieldset><legend>Approvals</legend>
${area('approvals', 'Approval policy (JSON)', 'code', '{"plan": true, "push": true, "tools": {"commands": ["^git push"]}, "timeout_s": 86400}; blank: no gates')}
</fieldset>
<fieldset><legend>Remote</legend>
${input('default_branch', 'Default branch', 'text', 'a change is checked against the remote')}
<label class="check"><input type="checkbox" name="verify"${v.verify !== undefined ? html` checked` : ''}> Check the remote when it moves</label>
</fieldset>
<button type="submit">Save settings</button>
</form>`;
}
