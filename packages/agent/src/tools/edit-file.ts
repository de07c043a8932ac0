import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool, ToolError } from './define-tool.ts';
import { checkWriteSize, fileToolError, MAX_TOOL_WRITE_BYTES } from './file-errors.ts';
import { readText } from './read-file.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const parameters = z.object({
  path: z.string().min(1).describe('File path, relative to the workspace root.'),
  old_string: z.string().min(1).describe('Exact text to replace; must occur exactly once in the file.'),
  new_string: z.string().describe('Text to put in its place.'),
});

/** Options of {@link createEditFileTool}. */
export interface EditFileToolOptions {
  sandbox: Sandbox;
  /** Largest edited file written back, in bytes (default {@link MAX_TOOL_WRITE_BYTES}). */
  maxBytes?: number;
}

/** `edit_file`: replaces the one exact occurrence of `old_string`; zero or several matches are errors. */
export function createEditFileTool(options: EditFileToolOptions): AgentTool {
  const { sandbox } = options;
  const maxBytes = options.maxBytes ?? MAX_TOOL_WRITE_BYTES;
  return defineTool({
    name: 'edit_file',
    description:
      'Replace text in a file. old_string must match the file exactly (whitespace and indentation ' +
      'included) and occur exactly once; include surrounding lines to make it unique. Use write_file ' +
      'to create a new file.',
    parameters,
    async execute(args) {
      const target = resolveWorkspacePath(sandbox.workspacePath, args.path);
      if (args.old_string === args.new_string) {
        throw new ToolError('old_string and new_string are identical; there is nothing to change.');
      }
      const content = await readText(sandbox, target.absolute, target.relative, 'edit');
      const first = content.indexOf(args.old_string);
      if (first === -1) throw new ToolError(notFoundMessage(target.relative, content, args.old_string));
      const count = countOccurrences(content, args.old_string);
      if (count > 1) {
        throw new ToolError(
          `old_string occurs ${count} times in ${target.relative}; it must occur exactly once. ` +
            'Include more surrounding lines in old_string (and new_string) to pick one occurrence.',
        );
      }
      const updated =
        content.slice(0, first) + args.new_string + content.slice(first + args.old_string.length);
      checkWriteSize(updated, target.relative, maxBytes, `${target.relative} after the edit`);
      try {
        await sandbox.writeFile(target.absolute, updated);
      } catch (error) {
        throw fileToolError(error, target.relative, 'edit');
      }
      const line = content.slice(0, first).split('\n').length;
      return { output: `Edited ${target.relative} at line ${line}.` };
    },
  });
}

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length))
    count++;
  return count;
}

function notFoundMessage(relative: string, content: string, oldString: string): string {
  const base = `old_string was not found in ${relative}.`;
  if (/^\s*\d+\t/m.test(oldString)) {
    return `${base} It seems to contain read_file's line-number prefixes ("12<TAB>"); remove them.`;
  }
  const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
  if (squash(content).includes(squash(oldString))) {
    return `${base} The text exists with different whitespace or indentation: read the file again and copy it exactly.`;
  }
  return `${base} Read the file again with read_file and copy the exact text, whitespace included.`;
}
