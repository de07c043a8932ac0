import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool, ToolError } from './define-tool.ts';
import { globToRegExp } from './glob-to-regexp.ts';
import { resolveWorkspacePath, shellQuote } from './workspace-path.ts';

const MAX_RESULTS = 200;
/** Folders skipped unless the pattern names them. */
const PRUNED = ['.git', 'node_modules'];

const parameters = z.object({
  pattern: z.string().min(1).describe('Glob such as "**/*.ts", "src/**/test_*.py" or "*.md".'),
  path: z
    .string()
    .optional()
    .describe('Folder to search, relative to the workspace root (default: the root).'),
});

/**
 * `glob`: files matching a pattern, most recently modified first. Lists files with `find` inside the
 * sandbox and matches them here, so the host file system is never read.
 */
export function createGlobTool(options: { sandbox: Sandbox }): AgentTool {
  const { sandbox } = options;
  return defineTool({
    name: 'glob',
    description:
      'Find files by name pattern. "**" matches any number of folders; a pattern without "/" matches ' +
      `file names at any depth. .git and node_modules are skipped unless named. At most ${MAX_RESULTS} ` +
      'paths (relative to the workspace root), most recently modified first. The pattern is matched against ' +
      'paths relative to `path`.',
    parameters,
    async execute(args, { signal }) {
      const dir = resolveWorkspacePath(sandbox.workspacePath, args.path ?? '.');
      const pruned = PRUNED.filter((name) => !args.pattern.includes(name));
      const prune =
        pruned.length > 0
          ? `\\( ${pruned.map((n) => `-name ${shellQuote(n)}`).join(' -o ')} \\) -prune -o `
          : '';
      const command = `cd -- ${shellQuote(dir.absolute)} && find . ${prune}-type f -printf '%T@\\t%P\\n'`;
      const result = await sandbox.exec(command, { timeoutMs: 60_000, maxOutputBytes: 8_000_000, signal });
      if (result.exitCode !== 0 && result.stdout === '') {
        throw new ToolError(
          `Cannot list ${dir.relative}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
        );
      }
      const matcher = globToRegExp(args.pattern);
      const byName = !args.pattern.includes('/');
      const matches = result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const tab = line.indexOf('\t');
          return { mtime: Number(line.slice(0, tab)), path: line.slice(tab + 1) };
        })
        .filter(
          ({ path }) => matcher.test(path) || (byName && matcher.test(path.slice(path.lastIndexOf('/') + 1))),
        )
        .sort((a, b) => b.mtime - a.mtime || a.path.localeCompare(b.path));
      if (matches.length === 0) return { output: `No files match ${args.pattern} in ${dir.relative}.` };
      const prefix = dir.relative === '.' ? '' : `${dir.relative}/`;
      const shown = matches.slice(0, MAX_RESULTS).map((m) => prefix + m.path);
      const more =
        matches.length > MAX_RESULTS
          ? `\n(${matches.length - MAX_RESULTS} more; use a narrower pattern or path)`
          : '';
      const cut = result.truncated
        ? '\n(the listing was cut: the folder holds too many files; narrow the path)'
        : '';
      return { output: shown.join('\n') + more + cut };
    },
  });
}
