import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool, ToolError } from './define-tool.ts';
import { resolveWorkspacePath, shellQuote } from './workspace-path.ts';

const MAX_MATCHES = 300;
const MAX_LINE_CHARS = 400;

const parameters = z.object({
  pattern: z.string().min(1).describe('Regular expression (Perl syntax, e.g. "function\\s+\\w+").'),
  path: z
    .string()
    .optional()
    .describe('File or folder to search, relative to the workspace root (default: the root).'),
  glob: z.string().optional().describe('Only search files whose name matches this glob, e.g. "*.ts".'),
});

/**
 * `grep`: lines matching a regular expression, as `path:line:text`. Runs GNU grep inside the
 * sandbox (Perl regexes when grep supports them, extended regexes otherwise), skipping binary files,
 * `.git` and `node_modules`.
 */
export function createGrepTool(options: { sandbox: Sandbox }): AgentTool {
  const { sandbox } = options;
  return defineTool({
    name: 'grep',
    description:
      'Search file contents with a regular expression. Returns "path:line:text" lines (paths relative ' +
      `to the workspace root), at most ${MAX_MATCHES}. Skips binary files, .git and node_modules.`,
    parameters,
    truncationHint: 'use a narrower pattern, path or glob',
    async execute(args, { signal }) {
      const target = resolveWorkspacePath(sandbox.workspacePath, args.path ?? '.');
      const include = args.glob ? ` --include=${shellQuote(args.glob)}` : '';
      const command = [
        `cd -- ${shellQuote(sandbox.workspacePath)} || exit 2`,
        `grep -P '' /dev/null 2>/dev/null; if [ $? -le 1 ]; then mode=-P; else mode=-E; fi`,
        `grep -rnHIs $mode --color=never --max-count=50 --exclude-dir=.git --exclude-dir=node_modules${include}` +
          ` -e ${shellQuote(args.pattern)} -- ${shellQuote(target.relative)}`,
      ].join('\n');
      const result = await sandbox.exec(command, { timeoutMs: 60_000, maxOutputBytes: 2_000_000, signal });
      if (result.exitCode === 1) return { output: `No matches for ${args.pattern} in ${target.relative}.` };
      if (result.exitCode !== 0 && result.stdout === '') {
        throw new ToolError(`grep failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
      }
      const lines = result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/^\.\//, ''))
        .map((line) =>
          line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut]` : line,
        );
      const shown = lines.slice(0, MAX_MATCHES);
      const more =
        lines.length > MAX_MATCHES ? `\n(${lines.length - MAX_MATCHES} more matches; narrow the search)` : '';
      const cut = result.truncated ? '\n(output was cut: too many matches; narrow the search)' : '';
      return { output: shown.join('\n') + more + cut };
    },
  });
}
