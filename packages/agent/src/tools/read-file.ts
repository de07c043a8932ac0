import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool, ToolError } from './define-tool.ts';
import { fileToolError } from './file-errors.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const DEFAULT_LIMIT = 2000;
const MAX_LINE_CHARS = 2000;

const parameters = z.object({
  path: z.string().min(1).describe('File path, relative to the workspace root.'),
  offset: z.number().int().min(1).optional().describe('First line to read, 1-based (default 1).'),
  limit: z.number().int().min(1).optional().describe(`Number of lines to read (default ${DEFAULT_LIMIT}).`),
});

/** `read_file`: a range of lines of a text file, each prefixed with its number and a tab. */
export function createReadFileTool(options: { sandbox: Sandbox }): AgentTool {
  const { sandbox } = options;
  return defineTool({
    name: 'read_file',
    description:
      'Read a text file of the workspace. Lines are returned as "<line number><TAB><text>"; the number ' +
      "and tab are not part of the file (leave them out of edit_file's old_string). Use offset and " +
      'limit to read a long file in parts.',
    parameters,
    truncationHint: 'use offset and limit to read a smaller range',
    async execute(args) {
      const target = resolveWorkspacePath(sandbox.workspacePath, args.path);
      const content = await readText(sandbox, target.absolute, target.relative);
      const lines = content.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const start = (args.offset ?? 1) - 1;
      const limit = args.limit ?? DEFAULT_LIMIT;
      if (lines.length === 0) return { output: `(${target.relative} is empty)` };
      if (start >= lines.length) {
        throw new ToolError(
          `${target.relative} has ${lines.length} lines; offset ${start + 1} is past the end.`,
        );
      }
      const slice = lines.slice(start, start + limit).map((line, index) => {
        const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [line cut]` : line;
        return `${start + index + 1}\t${text}`;
      });
      const end = start + slice.length;
      const footer =
        end < lines.length || start > 0
          ? `\n(${target.relative} has ${lines.length} lines; showing ${start + 1}-${end}.${
              end < lines.length ? ` Use offset=${end + 1} to read on.` : ''
            })`
          : '';
      return { output: slice.join('\n') + footer };
    },
  });
}

/**
 * Reads a UTF-8 text file through the sandbox (under the sandbox's byte limit), with errors the
 * model can act on: a FIFO, a device, a huge file or a slow read each get their own answer.
 */
export async function readText(
  sandbox: Sandbox,
  absolute: string,
  relative: string,
  action: 'read' | 'edit' = 'read',
): Promise<string> {
  let buffer: Buffer;
  try {
    buffer = await sandbox.readFile(absolute);
  } catch (error) {
    throw fileToolError(error, relative, action);
  }
  if (buffer.subarray(0, 8192).includes(0)) {
    throw new ToolError(`${relative} looks like a binary file; it cannot be shown as text.`);
  }
  return buffer.toString('utf8');
}
