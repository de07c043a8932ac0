import type { Sandbox } from '../sandbox-port.ts';
import { createBashTool } from './bash.ts';
import type { AgentTool } from './define-tool.ts';
import { createEditFileTool } from './edit-file.ts';
import { createGlobTool } from './glob.ts';
import { createGrepTool } from './grep.ts';
import { createReadFileTool } from './read-file.ts';
import { createWriteFileTool } from './write-file.ts';

/** The built-in tool set, every tool bound to `sandbox`: bash, read_file, write_file, edit_file, glob, grep. */
export function createDefaultTools(sandbox: Sandbox): AgentTool[] {
  return [
    createBashTool({ sandbox }),
    createReadFileTool({ sandbox }),
    createWriteFileTool({ sandbox }),
    createEditFileTool({ sandbox }),
    createGlobTool({ sandbox }),
    createGrepTool({ sandbox }),
  ];
}
