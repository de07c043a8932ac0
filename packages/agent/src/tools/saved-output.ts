import type { Sandbox } from '../sandbox-port.ts';
import { shellQuote } from './workspace-path.ts';

/**
 * Where full tool outputs are kept, relative to the workspace: inside the repository's `.git`
 * folder, so `read_file` (which reads anything under the workspace) can page through them while
 * git never sees them (nothing under `.git` is part of a commit, whatever `git add -A` the agent
 * runs). A workspace that is not a git repository gets a plain `.abca-output` folder instead.
 */
export const OUTPUT_DIR_IN_GIT = '.git/abca-output';
export const OUTPUT_DIR_PLAIN = '.abca-output';

/** Files kept per run; the oldest are removed beyond it, so a long run cannot fill the disk. */
const MAX_FILES = 64;

/** Saves a tool's full (redacted) output where the model can read it with `read_file`. */
export interface OutputStore {
  /**
   * Writes `text` under a name made from `key` (a tool call id) and returns its path relative to
   * the workspace, or `undefined` when it could not be written (the caller says so to the model).
   */
  save(key: string, text: string): Promise<string | undefined>;
}

/** The note's wording for a saved output: the path and how to page through it. */
export function savedOutputNote(path: string): string {
  return `the full output is saved in ${path}: read it with read_file (path "${path}", offset = first line, limit = number of lines)`;
}

/** Finds the path of a saved output in a note written by {@link savedOutputNote}. */
export function savedOutputPath(text: string): string | undefined {
  return /the full output is saved in (\S+?\.txt):/.exec(text)?.[1];
}

/** An {@link OutputStore} writing through `sandbox` (never the host's file system). */
export function createOutputStore(sandbox: Sandbox): OutputStore {
  let dir: Promise<string> | undefined;
  const written: string[] = [];
  const outputDir = () => {
    dir ??= sandbox
      .exec('[ -d .git ] && [ ! -L .git ]', { cwd: sandbox.workspacePath, timeoutMs: 10_000 })
      .then((r) => (r.exitCode === 0 ? OUTPUT_DIR_IN_GIT : OUTPUT_DIR_PLAIN))
      .catch(() => OUTPUT_DIR_PLAIN);
    return dir;
  };
  return {
    async save(key, text) {
      try {
        const name = `${key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'output'}.txt`;
        const path = `${await outputDir()}/${name}`;
        await sandbox.writeFile(`${sandbox.workspacePath}/${path}`, text);
        if (!written.includes(path)) written.push(path);
        const old = written.length > MAX_FILES ? written.splice(0, written.length - MAX_FILES) : [];
        if (old.length > 0) {
          await sandbox
            .exec(`rm -f -- ${old.map(shellQuote).join(' ')}`, {
              cwd: sandbox.workspacePath,
              timeoutMs: 10_000,
            })
            .catch(() => {});
        }
        return path;
      } catch {
        return undefined;
      }
    },
  };
}
