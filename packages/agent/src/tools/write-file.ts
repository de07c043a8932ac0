import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool } from './define-tool.ts';
import { checkWriteSize, fileToolError, MAX_TOOL_WRITE_BYTES } from './file-errors.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const parameters = z.object({
  path: z.string().min(1).describe('File path, relative to the workspace root.'),
  content: z.string().describe('The complete new content of the file.'),
});

/** Options of {@link createWriteFileTool}. */
export interface WriteFileToolOptions {
  sandbox: Sandbox;
  /** Largest content written, in bytes (default {@link MAX_TOOL_WRITE_BYTES}). */
  maxBytes?: number;
}

/**
 * `write_file`: creates or replaces a whole file (parent folders are created). Content over
 * `maxBytes` is refused before it reaches the sandbox: the tools could not read such a file back.
 */
export function createWriteFileTool(options: WriteFileToolOptions): AgentTool {
  const { sandbox } = options;
  const maxBytes = options.maxBytes ?? MAX_TOOL_WRITE_BYTES;
  return defineTool({
    name: 'write_file',
    description:
      'Create a file, or replace its whole content, in the workspace. Parent folders are created. ' +
      'To change part of an existing file prefer edit_file.',
    parameters,
    async execute(args) {
      const target = resolveWorkspacePath(sandbox.workspacePath, args.path);
      checkWriteSize(args.content, target.relative, maxBytes, 'content');
      try {
        await sandbox.writeFile(target.absolute, args.content);
      } catch (error) {
        throw fileToolError(error, target.relative, 'write');
      }
      const lines = args.content === '' ? 0 : args.content.split('\n').length;
      return {
        output: `Wrote ${Buffer.byteLength(args.content)} bytes (${lines} lines) to ${target.relative}.`,
      };
    },
  });
}
