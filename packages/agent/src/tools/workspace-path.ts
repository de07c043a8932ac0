import { posix } from 'node:path';
import { ToolError } from './define-tool.ts';

/** A path inside the workspace, absolute (as the sandbox sees it) and relative (for messages). */
export interface WorkspacePath {
  absolute: string;
  relative: string;
}

/**
 * Resolves `path` (relative to the workspace, or absolute inside it) and rejects anything that
 * leaves the workspace, such as `../x` or `/etc/passwd`, with an error the model can act on.
 * This is a lexical guard for honest mistakes; the sandbox itself is the security boundary.
 */
export function resolveWorkspacePath(workspace: string, path: string): WorkspacePath {
  const root = posix.normalize(workspace).replace(/\/+$/, '') || '/';
  const absolute = posix
    .normalize(posix.isAbsolute(path) ? path : posix.join(root, path))
    .replace(/(.)\/+$/, '$1');
  const inside = absolute === root || absolute.startsWith(root === '/' ? '/' : `${root}/`);
  if (!inside) {
    throw new ToolError(
      `Path "${path}" is outside the workspace (${root}). Use a path relative to the workspace root, without "..".`,
    );
  }
  const relative = posix.relative(root, absolute) || '.';
  return { absolute, relative };
}

/** Quotes `value` for `/bin/bash -c` so it is passed as one literal word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
