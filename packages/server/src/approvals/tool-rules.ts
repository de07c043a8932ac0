import { posix } from 'node:path';
import type { ToolRules } from '@abca/contracts';
import { createHostAllowlist } from '@abca/sandbox';
import { hostsInCommand } from './command-hosts.ts';

/** The tools that change files by path (the `paths` rule); a command is matched by the other rules. */
const FILE_TOOLS = new Set(['write_file', 'edit_file']);

/**
 * Longest command the rules are tested against. Patterns are checked for nested quantifiers when a
 * repo is onboarded (contracts: CommandPattern); this bound keeps what is left fast. A longer
 * command waits for a person (cutting it would let padding hide what it runs).
 */
export const MAX_MATCHED_COMMAND_CHARS = 20_000;

export interface ToolCallFacts {
  toolName: string;
  input: unknown;
}

/** A compiled policy: says which rule a tool call matches, in words, or nothing. */
export interface ToolRuleMatcher {
  match(call: ToolCallFacts): string | undefined;
}

/**
 * Compiles a repo's tool rules (`approvals.tools`) against the sandbox's network allowlist.
 * - `commands`: a regular expression found anywhere in a `bash` command;
 * - `hosts_outside_allowlist`: a `bash` command naming a host the allowlist does not name;
 * - `hosts`: a `bash` command naming one of these hosts (`*.example.com`: its sub-domains);
 * - `paths`: a `write_file` or `edit_file` under one of these repo-relative paths.
 * The hosts a command names are found in its text ({@link hostsInCommand}): a person is asked
 * about what the command says, and the egress proxy still refuses what the allowlist does not name.
 */
export function createToolRuleMatcher(
  rules: ToolRules | undefined,
  opts: { allowlist: readonly string[]; workspacePath?: string },
): ToolRuleMatcher {
  const commands = (rules?.commands ?? []).map((p) => ({ source: p, re: new RegExp(p, 'u') }));
  const hosts = (rules?.hosts ?? []).map((h) => ({ source: h, matches: hostPattern(h) }));
  const paths = (rules?.paths ?? []).map((p) => ({ source: p, matches: pathPattern(p) }));
  const outside = rules?.hosts_outside_allowlist === true;
  const allowlist = outside ? createHostAllowlist(opts.allowlist) : undefined;
  const root = opts.workspacePath ?? '/workspace';
  return {
    match(call) {
      const args = (call.input && typeof call.input === 'object' ? call.input : {}) as Record<
        string,
        unknown
      >;
      if (call.toolName === 'bash' && typeof args.command === 'string') {
        const command = args.command;
        const checked = commands.length > 0 || hosts.length > 0 || allowlist !== undefined;
        if (checked && command.length > MAX_MATCHED_COMMAND_CHARS) {
          return `command longer than ${MAX_MATCHED_COMMAND_CHARS} characters, too long to check against the rules`;
        }
        for (const c of commands) if (c.re.test(command)) return `command matches ${c.source}`;
        if (hosts.length === 0 && !allowlist) return undefined;
        for (const named of hostsInCommand(command)) {
          const listed = hosts.find((h) => h.matches(named.host));
          if (listed) return `command names host ${named.host} (rule ${listed.source})`;
          // The sandbox's own loopback (a dev server the agent started) is no egress.
          if (
            allowlist &&
            !isLoopback(named.host) &&
            allowlist.match(named.host, named.port ?? 443) !== 'allowed'
          ) {
            return `command names host ${named.host}${named.port ? `:${named.port}` : ''}, outside the network allowlist`;
          }
        }
        return undefined;
      }
      if (FILE_TOOLS.has(call.toolName) && typeof args.path === 'string') {
        const rel = repoRelative(args.path, root);
        const rule = paths.find((p) => p.matches(rel));
        if (rule) return `${call.toolName} of ${rel} (under ${rule.source})`;
      }
      return undefined;
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}

/** The path as the repo names it: relative to the workspace root, `..` and `.` resolved. */
export function repoRelative(path: string, root = '/workspace'): string {
  const abs = posix.normalize(posix.isAbsolute(path) ? path : posix.join(root, path));
  return posix.relative(root, abs) || '.';
}

/** `*.example.com`: sub-domains of example.com; anything else: that host, in any letter case. */
function hostPattern(pattern: string): (host: string) => boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return (h) => h.endsWith(p.slice(1));
  return (h) => h === p;
}

/**
 * A path rule: `infra/` (a folder: everything under it), `package.json` or `src` (that path and
 * anything under it), `*` within one segment, `**` across segments (`src/**\/*.sql`).
 */
export function pathPattern(pattern: string): (rel: string) => boolean {
  const p = pattern.replace(/^\.\//, '');
  const folder = p.endsWith('/');
  const body = folder ? p.slice(0, -1) : p;
  let re = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '*' && body[i + 1] === '*') {
      // `**/` matches zero or more folders; a lone `**` anything.
      if (body[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const compiled = new RegExp(folder ? `^${re}/.+$` : `^${re}(?:/.*)?$`);
  return (rel) => rel !== '.' && !rel.startsWith('../') && compiled.test(rel);
}
