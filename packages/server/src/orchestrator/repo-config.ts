import { RepoSettings } from '@abca/contracts';
import { parse as parseYaml } from 'yaml';

/**
 * The settings a repo's own file may suggest. Not the model: the file is written by whoever can
 * push to the repo, and the model picks the provider, hence which of the operator's keys is used.
 */
const FILE_FIELDS = [
  'setup_command',
  'build_command',
  'test_command',
  'lint_command',
  'validation_mode',
  'max_turns',
  'max_budget_usd',
  'network_allowlist',
] as const;

/** The settings a repo's `.abca/config.yaml` may suggest. */
export type RepoFileSettings = Pick<RepoSettings, (typeof FILE_FIELDS)[number]>;

/** What a repo's own `.abca/config.yaml` said, and what was ignored from it. */
export interface RepoFileConfig {
  settings: RepoFileSettings;
  warnings: string[];
}

/** Settings only the operator may set, with why the file's value is ignored. */
const OPERATOR_ONLY: Readonly<Record<string, string>> = {
  model:
    'the operator chooses the model and its provider (`abca repos update <repo> --model provider:model`)',
  monthly_budget_usd:
    "the operator sets the repo's monthly budget (`abca repos update <repo> --monthly-budget-usd <usd>`)",
};

/**
 * Reads a repo's `.abca/config.yaml`. The file is written by whoever can push to the repo, so it is
 * untrusted input: unknown or malformed fields are dropped with a warning, never an error.
 */
export function parseRepoConfigFile(text: string | undefined): RepoFileConfig {
  if (!text) return { settings: {}, warnings: [] };
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    return {
      settings: {},
      warnings: [`.abca/config.yaml is not valid YAML (${(err as Error).message.split('\n')[0]}); ignored`],
    };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { settings: {}, warnings: ['.abca/config.yaml is not a mapping; ignored'] };
  }
  const warnings: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const operatorOnly = OPERATOR_ONLY[key];
    if (operatorOnly) {
      warnings.push(`.abca/config.yaml: ${key} is ignored: ${operatorOnly}`);
      continue;
    }
    if (!(FILE_FIELDS as readonly string[]).includes(key)) {
      warnings.push(`.abca/config.yaml: ${key} is not a setting a repo may suggest; ignored`);
      continue;
    }
    const field = RepoSettings.shape[key as (typeof FILE_FIELDS)[number]];
    const parsed = field.safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
    else
      warnings.push(`.abca/config.yaml: ${key} ${parsed.error.issues[0]?.message ?? 'is invalid'}; ignored`);
  }
  return { settings: settings as RepoFileSettings, warnings };
}

/**
 * The settings a task runs with: the operator's win where both are set; the repo's fill the gaps
 * (only the fields a file may suggest: never the model); budgets and turns take the smaller; the
 * network allowlist can only shrink (the repo's list is intersected with the operator's, or the
 * platform default when the operator set none).
 */
export function effectiveSettings(
  operator: RepoSettings,
  suggested: RepoFileSettings,
  defaults: { allowlist: string[] },
): RepoSettings {
  const file = fileFieldsOf(suggested);
  const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  const base = operator.network_allowlist ?? defaults.allowlist;
  const allowlist = file.network_allowlist ? base.filter((h) => file.network_allowlist?.includes(h)) : base;
  const merged: RepoSettings = { ...file, ...stripUndefined(operator) };
  const turns = min(operator.max_turns, file.max_turns);
  const budget = min(operator.max_budget_usd, file.max_budget_usd);
  return {
    ...merged,
    ...(turns !== undefined ? { max_turns: turns } : {}),
    ...(budget !== undefined ? { max_budget_usd: budget } : {}),
    network_allowlist: allowlist,
  };
}

/** Only the fields a file may suggest, whatever object was passed in. */
function fileFieldsOf(suggested: RepoFileSettings): RepoFileSettings {
  return Object.fromEntries(
    Object.entries(suggested).filter(([k]) => (FILE_FIELDS as readonly string[]).includes(k)),
  ) as RepoFileSettings;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
