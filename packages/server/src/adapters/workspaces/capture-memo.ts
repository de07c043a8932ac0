import { type Sandbox, type SandboxActivity, sameActivity } from '@abca/sandbox';
import type { WorkCapture } from '../../ports/workspaces.ts';

/** What a capture was asked: a kept capture answers only the same question. */
export interface CaptureQuestion {
  branch: string;
  baseCommit: string;
  maxFileBytes: number;
  maxFiles: number;
  maxCaptureBytes: number;
}

/**
 * The last capture taken out of each sandbox of this process, kept while nothing runs in the
 * sandbox: when the sandbox's mark of what ran in it ({@link SandboxActivity}) is the one it gave
 * right after that capture, no command started and no process of the sandbox ran since, so the
 * workspace holds what was captured and the capture is the work (finalization after the agent
 * step's checkpoint: one sandbox command a task fewer). Kept only when nothing but the capture's own
 * sandbox operations ran while it was taken. In memory, by sandbox object: another process, a
 * sandbox made again, or a sandbox that cannot give a mark always captures.
 */
export function createCaptureMemo() {
  const kept = new WeakMap<Sandbox, { question: string; after: SandboxActivity; capture: WorkCapture }>();
  const key = (q: CaptureQuestion) =>
    JSON.stringify([q.branch, q.baseCommit, q.maxFileBytes, q.maxFiles, q.maxCaptureBytes]);
  const mark = async (sandbox: Sandbox) => (sandbox.activity ? sandbox.activity() : undefined);

  return {
    /**
     * Takes a capture with `take` (which reports how many sandbox operations it ran), or gives the
     * kept one when nothing ran in the sandbox since it was taken.
     */
    async capture(
      sandbox: Sandbox,
      question: CaptureQuestion,
      take: () => Promise<{ capture: WorkCapture; operations: number }>,
    ): Promise<WorkCapture> {
      const before = await mark(sandbox);
      const last = kept.get(sandbox);
      kept.delete(sandbox);
      if (last && last.question === key(question) && sameActivity(last.after, before)) {
        kept.set(sandbox, last);
        return last.capture;
      }
      const { capture, operations } = await take();
      const after = before && (await mark(sandbox));
      // Nothing but the capture's own operations ran while it was taken: what it read is all there is.
      if (
        before &&
        after &&
        after.commands === before.commands + operations &&
        after.scheduling === before.scheduling
      )
        kept.set(sandbox, { question: key(question), after, capture });
      return capture;
    },
  };
}
