import {
  type ApprovalPolicy,
  type EnvCacheSettings,
  GITHUB_TRIGGERS,
  type GitHubTrigger,
  RepoSettings,
  VALIDATION_MODES,
  type ValidationMode,
} from '@abca/contracts';
import { type Command, InvalidArgumentError } from 'commander';
import { intArg, numberArg } from './command-kit.ts';
import type { Colors } from './output.ts';

/** A field of a repository's settings (`default_branch`, `max_turns`, ...). */
export type SettingField = keyof RepoSettings;

/** The setting flags of `repos add` and `repos update`, as commander names them. */
export interface SettingFlags {
  defaultBranch?: string;
  setupCommand?: string;
  buildCommand?: string;
  testCommand?: string;
  lintCommand?: string;
  validationMode?: ValidationMode;
  model?: string;
  maxTurns?: number;
  maxBudget?: number;
  monthlyBudgetUsd?: number;
  allowHost?: string[];
  maxConcurrency?: number;
  githubTriggers?: GitHubTrigger[];
  triggerLabel?: string;
  mentionName?: string;
  memory?: boolean;
  prWatch?: boolean;
  prMaxIterations?: number;
  prMaxSpendUsd?: number;
  prStopLabel?: string;
  approvals?: ApprovalPolicy;
  envCache?: EnvCacheSettings;
}

/**
 * The flag of every setting. A `Record` over the contract's fields, so a setting added to
 * `RepoSettings` does not compile here until it has a flag.
 */
const FLAG_OF: Record<SettingField, string> = {
  default_branch: '--default-branch',
  setup_command: '--setup-command',
  build_command: '--build-command',
  test_command: '--test-command',
  lint_command: '--lint-command',
  validation_mode: '--validation-mode',
  model: '--model',
  max_turns: '--max-turns',
  max_budget_usd: '--max-budget',
  monthly_budget_usd: '--monthly-budget-usd',
  network_allowlist: '--allow-host',
  max_concurrency: '--max-concurrency',
  github_triggers: '--github-triggers',
  trigger_label: '--trigger-label',
  mention_name: '--mention-name',
  memory: '--memory',
  pr_watch: '--pr-watch',
  pr_max_iterations: '--pr-max-iterations',
  pr_max_spend_usd: '--pr-max-spend-usd',
  pr_stop_label: '--pr-stop-label',
  approvals: '--approvals',
  env_cache: '--env-cache',
};

/** In the contract's order, which is also the order `repos show` prints them in. */
export const SETTING_FIELDS = Object.keys(RepoSettings.shape) as SettingField[];

/**
 * Adds one flag per setting. Numbers must parse (exit 2 naming the flag); their ranges are the
 * server's to check, so the CLI and the contract cannot drift apart.
 */
export function withSettingOptions(cmd: Command): Command {
  return cmd
    .option('--default-branch <branch>', 'the branch pull requests target')
    .option('--setup-command <cmd>', 'runs once in a fresh workspace, e.g. "npm ci"')
    .option('--build-command <cmd>', 'builds the project')
    .option('--test-command <cmd>', 'runs the tests (the validation gate)')
    .option('--lint-command <cmd>', 'runs the linters')
    .option('--validation-mode <mode>', `${VALIDATION_MODES.join(', ')}`, validationModeArg)
    .option('--model <provider:model>', 'the model for this repo, e.g. anthropic:claude-sonnet-4-5', modelArg)
    .option('--max-turns <n>', 'agent turn limit per task (1-500)', intArg(1, Number.MAX_SAFE_INTEGER))
    .option(
      '--max-budget <usd>',
      'spending limit per task in US dollars (0.01-100)',
      numberArg(0, Number.MAX_VALUE),
    )
    .option(
      '--monthly-budget-usd <usd>',
      "what the repo's tasks may spend per calendar month (UTC) in US dollars; then new tasks are refused",
      numberArg(0, Number.MAX_VALUE),
    )
    .option(
      '--allow-host <host>',
      'a host the sandbox may reach, e.g. registry.npmjs.org or *.example.com (repeatable; replaces the list)',
      collectHost,
    )
    .option(
      '--max-concurrency <n>',
      'tasks running at once on this repo (1-100)',
      intArg(1, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--github-triggers <list>',
      `which GitHub events start a task, comma-separated: ${GITHUB_TRIGGERS.join(', ')} (default all; "none" for none)`,
      githubTriggersArg,
    )
    .option('--trigger-label <label>', 'the issue label that starts a task (default abca)')
    .option(
      '--mention-name <login>',
      'the name a comment mentions to ask for a task, without @ (default abca)',
    )
    .option(
      '--memory <on|off>',
      "the repo's memory: retrieved into prompts, written from tasks (default on)",
      onOffArg,
    )
    .option('--pr-watch <on|off>', "the PR watcher on this repo's ABCA pull requests (default on)", onOffArg)
    .option(
      '--pr-max-iterations <n>',
      'iteration tasks the PR watcher starts on one pull request (0-50; default ABCA_PR_MAX_ITERATIONS)',
      intArg(0, Number.MAX_SAFE_INTEGER),
    )
    .option(
      '--pr-max-spend-usd <usd>',
      "what one pull request's tasks may spend before the watcher stops, in US dollars (default ABCA_PR_MAX_SPEND_USD)",
      numberArg(0, Number.MAX_VALUE),
    )
    .option(
      '--pr-stop-label <label>',
      'the GitHub label that stops the PR watcher on a pull request (default abca:stop)',
    )
    .option(
      '--approvals <json>',
      'approval gates as JSON, e.g. \'{"plan":true,"push":true,"tools":{"commands":["^git push"]},"timeout_s":3600}\' (docs/approvals.md)',
      approvalsArg,
    )
    .option(
      '--env-cache <on|off|json>',
      'the environment cache (default on), or JSON with extra key files, e.g. \'{"key_files":["tools/versions.txt"]}\' (docs/env-cache.md)',
      envCacheArg,
    );
}

/** The settings the flags name; fields without a flag are left out. */
export function settingsFromFlags(flags: SettingFlags): RepoSettings {
  const s: RepoSettings = {};
  if (flags.defaultBranch !== undefined) s.default_branch = flags.defaultBranch;
  if (flags.setupCommand !== undefined) s.setup_command = flags.setupCommand;
  if (flags.buildCommand !== undefined) s.build_command = flags.buildCommand;
  if (flags.testCommand !== undefined) s.test_command = flags.testCommand;
  if (flags.lintCommand !== undefined) s.lint_command = flags.lintCommand;
  if (flags.validationMode !== undefined) s.validation_mode = flags.validationMode;
  if (flags.model !== undefined) s.model = flags.model;
  if (flags.maxTurns !== undefined) s.max_turns = flags.maxTurns;
  if (flags.maxBudget !== undefined) s.max_budget_usd = flags.maxBudget;
  if (flags.monthlyBudgetUsd !== undefined) s.monthly_budget_usd = flags.monthlyBudgetUsd;
  if (flags.allowHost !== undefined) s.network_allowlist = flags.allowHost;
  if (flags.maxConcurrency !== undefined) s.max_concurrency = flags.maxConcurrency;
  if (flags.githubTriggers !== undefined) s.github_triggers = flags.githubTriggers;
  if (flags.triggerLabel !== undefined) s.trigger_label = flags.triggerLabel;
  if (flags.mentionName !== undefined) s.mention_name = flags.mentionName.replace(/^@/, '');
  if (flags.memory !== undefined) s.memory = flags.memory;
  if (flags.prWatch !== undefined) s.pr_watch = flags.prWatch;
  if (flags.prMaxIterations !== undefined) s.pr_max_iterations = flags.prMaxIterations;
  if (flags.prMaxSpendUsd !== undefined) s.pr_max_spend_usd = flags.prMaxSpendUsd;
  if (flags.prStopLabel !== undefined) s.pr_stop_label = flags.prStopLabel;
  if (flags.approvals !== undefined) s.approvals = flags.approvals;
  if (flags.envCache !== undefined) s.env_cache = flags.envCache;
  return s;
}

/** The flag that sets a field, for messages (`--max-budget` for `max_budget_usd`). */
export function flagOf(field: SettingField): string {
  return FLAG_OF[field];
}

/**
 * A commander parser for repeatable `--clear <field>`: takes the field (`test_command`), its
 * kebab-case spelling (`test-command`) or its flag's name (`max-budget`, `allow-host`).
 */
export function clearArg(value: string, previous: SettingField[] = []): SettingField[] {
  const wanted = value.trim().replace(/^--/, '').toLowerCase().replaceAll('-', '_');
  const field =
    SETTING_FIELDS.find((f) => f === wanted) ??
    SETTING_FIELDS.find((f) => FLAG_OF[f].slice(2).replaceAll('-', '_') === wanted);
  if (!field) throw new InvalidArgumentError(`must be one of ${SETTING_FIELDS.join(', ')}.`);
  return previous.includes(field) ? previous : [...previous, field];
}

const LABEL_WIDTH = Math.max(...SETTING_FIELDS.map((f) => f.length)) + 3;

/** Every setting on its own line, `(default)` for the unset ones (the platform's default applies). */
export function repoSettingsLines(settings: RepoSettings, c: Colors, indent = ''): string[] {
  return SETTING_FIELDS.map((field) => {
    const value = settings[field];
    return `${indent}${c.dim(`${field}:`.padEnd(LABEL_WIDTH))}${value === undefined ? c.dim('(default)') : formatSetting(field, value)}`;
  });
}

function formatSetting(field: SettingField, value: NonNullable<RepoSettings[SettingField]>): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : '(none)';
  if (field === 'approvals') return JSON.stringify(value);
  if (field === 'env_cache') return envCacheText(value as EnvCacheSettings);
  if (field === 'max_budget_usd') return `${value} USD`;
  if (field === 'monthly_budget_usd') return `${value} USD a month`;
  if (field === 'pr_max_spend_usd') return `${value} USD per pull request`;
  if (field === 'pr_watch' || field === 'memory') return value ? 'on' : 'off';
  return String(value);
}

/** `--approvals`: JSON; the server checks the policy itself (its fields and patterns) and names what is wrong. */
function approvalsArg(value: string): ApprovalPolicy {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as ApprovalPolicy;
  } catch {
    throw new InvalidArgumentError(
      'must be a JSON object such as \'{"plan":true,"push":true}\' (docs/approvals.md).',
    );
  }
}

/** `--env-cache`: on, off, or the setting as JSON (the server checks its fields). */
function envCacheArg(value: string): EnvCacheSettings {
  const v = value.trim().toLowerCase();
  if (['on', 'true', 'yes'].includes(v)) return { enabled: true };
  if (['off', 'false', 'no'].includes(v)) return { enabled: false };
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as EnvCacheSettings;
  } catch {
    throw new InvalidArgumentError(
      'must be on, off, or a JSON object such as \'{"key_files":["tools/versions.txt"]}\' (docs/env-cache.md).',
    );
  }
}

function envCacheText(value: EnvCacheSettings): string {
  const state = value.enabled === false ? 'off' : 'on';
  return value.key_files?.length ? `${state}, key files: ${value.key_files.join(', ')}` : state;
}

function validationModeArg(value: string): ValidationMode {
  const mode = VALIDATION_MODES.find((m) => m === value);
  if (!mode) throw new InvalidArgumentError(`must be ${VALIDATION_MODES.join(', ')}.`);
  return mode;
}

function modelArg(value: string): string {
  if (!/^[^:\s]+:\S+$/.test(value.trim()))
    throw new InvalidArgumentError('must look like provider:model, e.g. anthropic:claude-sonnet-4-5.');
  return value.trim();
}

function githubTriggersArg(value: string): GitHubTrigger[] {
  if (value.trim() === 'none') return [];
  const names = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(GITHUB_TRIGGERS as readonly string[]).includes(n));
  if (bad.length || names.length === 0)
    throw new InvalidArgumentError(
      `must be a comma-separated list of ${GITHUB_TRIGGERS.join(', ')}, or none.`,
    );
  return [...new Set(names)] as GitHubTrigger[];
}

function onOffArg(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'true', 'yes'].includes(v)) return true;
  if (['off', 'false', 'no'].includes(v)) return false;
  throw new InvalidArgumentError('must be on or off.');
}

function collectHost(value: string, previous: string[] = []): string[] {
  return [...previous, value.trim()];
}
