import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkCapture } from '../../ports/workspaces.ts';

/** A kept scratch repository is used within this long of its check, else made again. */
const KEPT_MS = 10 * 60_000;
/** Scratch repositories kept at most (the oldest goes first). */
const MAX_KEPT = 32;

/**
 * Scratch repositories kept from a capture's check for that capture's push, in this process: the
 * repository holds the capture's branch checked moments ago, so the push goes from it instead of
 * fetching and checking the same bundle in a new one (one script a task fewer). Keyed by the
 * capture object (the one the check returned, which finalization gets back when nothing ran in the
 * sandbox since), used once, for the same branch and base; anything else — another process, an
 * older or evicted one, a folder gone or whose ref no longer names the capture's head — gives
 * nothing and the push makes its own. Only the host writes to these folders; one whose capture is
 * never pushed goes when 32 newer ones are kept, or with the scratch folder's hourly sweep.
 */
export function createKeptScratches(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  // Weakly by capture (a capture holds its bundle: none is kept alive for this), and the folders
  // in the order they were kept, so that at most MAX_KEPT stay on disk.
  const kept = new WeakMap<WorkCapture, { dir: string; branch: string; baseCommit: string; at: number }>();
  const folders: string[] = [];
  const drop = async (dir: string) => {
    const at = folders.indexOf(dir);
    if (at >= 0) folders.splice(at, 1);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };

  return {
    /** Keeps `dir` (holding `capture.head` at its work ref) for the push of `capture`. */
    async keep(capture: WorkCapture, entry: { dir: string; branch: string; baseCommit: string }) {
      const old = kept.get(capture);
      if (old && old.dir !== entry.dir) await drop(old.dir);
      kept.set(capture, { ...entry, at: now() });
      folders.push(entry.dir);
      while (folders.length > MAX_KEPT) await drop(folders[0] as string);
    },
    /**
     * The folder kept for `capture` on `branch` from `baseCommit`, handed over (the caller removes
     * it), when it still holds the capture's head at `ref`; undefined otherwise.
     */
    async take(capture: WorkCapture, branch: string, baseCommit: string, ref: string) {
      const entry = kept.get(capture);
      if (!entry) return undefined;
      kept.delete(capture);
      const at = folders.indexOf(entry.dir);
      if (at >= 0) folders.splice(at, 1);
      const fits =
        at >= 0 && entry.branch === branch && entry.baseCommit === baseCommit && now() - entry.at <= KEPT_MS;
      // A host-made repository: its ref file is read plainly (a fetch writes a loose ref).
      const head = fits
        ? (await readFile(join(entry.dir, ...ref.split('/')), 'utf8').catch(() => '')).trim()
        : '';
      if (head !== capture.head) {
        await drop(entry.dir);
        return undefined;
      }
      return entry.dir;
    },
  };
}
