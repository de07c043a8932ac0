// Values, not types, so not through ../sandbox-port.ts (a type-only re-export of the port).
import { DEFAULT_LIMITS, isSandboxFileError } from '@abca/sandbox';
import { ToolError } from './define-tool.ts';

/**
 * Largest content `write_file` and `edit_file` write: what the sandbox reads back by default, so
 * a file the tools wrote can be read by them again. Bigger files are a job for a script.
 */
export const MAX_TOOL_WRITE_BYTES = DEFAULT_LIMITS.maxReadBytes;

/** What the model should do instead, per tool, when a file is too big for it. */
const TOO_LARGE_HINT = {
  read: 'use bash with head, tail or sed -n to read part of it',
  edit: 'use bash (sed -i, or a small script) to change it',
  write: 'use bash to build it (e.g. a script that generates it)',
} as const;

const VERB = { read: 'read', edit: 'edited', write: 'written' } as const;

/**
 * Turns a failed sandbox file operation into a {@link ToolError} saying what to do next. The
 * sandbox's codes say why (`SandboxFileError`); anything else (a stopped sandbox) is passed on.
 */
export function fileToolError(
  error: unknown,
  relative: string,
  action: 'read' | 'edit' | 'write',
): ToolError {
  if (!isSandboxFileError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new ToolError(`Cannot ${action} ${relative}: ${message}`);
  }
  switch (error.code) {
    case 'not_found':
      return new ToolError(`File not found: ${relative}. Use glob to find the right path.`);
    case 'is_directory':
      return new ToolError(`${relative} is a directory, not a file. Use glob or bash (ls) to list it.`);
    case 'not_regular':
      return new ToolError(
        `${relative} is a FIFO/device/socket, not a regular file: it cannot be ${VERB[action]}.`,
      );
    case 'too_large': {
      const limit = error.limit ?? DEFAULT_LIMITS.maxReadBytes;
      const size =
        error.size === undefined ? `over ${limit} bytes (it grew while being read)` : `${error.size} bytes`;
      return new ToolError(
        `${relative} is ${size}; tools read at most ${limit} bytes of a file: ${TOO_LARGE_HINT[action]}.`,
      );
    }
    case 'timeout':
      return new ToolError(
        `${relative} could not be ${VERB[action]} in time and the operation was stopped: ${TOO_LARGE_HINT[action]}.`,
      );
    default:
      return new ToolError(`Cannot ${action} ${relative}: ${error.message}`);
  }
}

/** Refuses content over {@link MAX_TOOL_WRITE_BYTES} before it reaches the sandbox. */
export function checkWriteSize(content: string, relative: string, maxBytes: number, what: string): void {
  const bytes = Buffer.byteLength(content);
  if (bytes > maxBytes) {
    throw new ToolError(
      `${what} would be ${bytes} bytes; tools write at most ${maxBytes} bytes to a file (${relative}): ` +
        `${TOO_LARGE_HINT.write}, or write it in parts with bash (cat >> file).`,
    );
  }
}
