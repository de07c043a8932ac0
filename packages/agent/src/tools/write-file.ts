import { z } from 'zod';
import type { Sandbox } from '../sandbox-port.ts';
import { type AgentTool, defineTool } from './define-tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const parameters = z.object({
  path: z.string().min(1).describe('File path, relative to the workspace root.'),
  content: z.string().describe('The complete new content of the file.'),
});

/** `write_file`: creates or replaces a whole file (parent folders are created). */
export function createWriteFileTool(options: { sandbox: Sandbox }): AgentTool {
  const { sandbox } = options;
  return defineTool({
    name: 'write_file',
    description:
      'Create a file, or replace its whole content, in the workspace. Parent folders are created. ' +
      'To change part of an existing file prefer edit_file.',
    parameters,
    async execute(args) {
      const target = resolveWorkspacePath(sandbox.workspacePath, args.path);
      await sandbox.writeFile(target.absolute, args.content);
      const lines = args.content === '' ? 0 : args.content.split('\n').length;
      return {
        output: `Wrote ${Buffer.byteLength(args.content)} bytes (${lines} lines) to ${target.relative}.`,
      };
    },
  });
}
