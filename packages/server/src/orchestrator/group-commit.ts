/**
 * Group commit: items submitted while a group is on its way wait and go together in the next one
 * (at most `maxGroup` a group, at most `maxInFlight` groups at once), so a busy process makes one
 * database call, one transaction and one commit for many items. An item submitted when nothing
 * waits goes at the end of the current event-loop turn, with whatever else came in that turn.
 *
 * A group that fails is not failed as a whole: each of its items runs alone (`runAlone`), so one
 * bad item never fails the others, and each caller gets its own item's answer or error.
 */
export interface GroupCommit<I, O> {
  submit(item: I): Promise<O>;
}

export interface GroupCommitOptions<I, O> {
  maxGroup: number;
  maxInFlight: number;
  /** Runs a group: one answer per item, in the items' order. */
  run(items: I[]): Promise<O[]>;
  /** Runs one item of a group that failed. */
  runAlone(item: I): Promise<O>;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export function createGroupCommit<I, O>(o: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const runAlone = async (w: Waiting<I, O>) => {
    try {
      w.resolve(await o.runAlone(w.item));
    } catch (err) {
      w.reject(err);
    }
  };

  const send = async (group: Waiting<I, O>[]) => {
    let answers: O[] | undefined;
    try {
      answers = await o.run(group.map((w) => w.item));
      if (answers.length !== group.length)
        throw new Error(`a group of ${group.length} answered ${answers.length}`);
    } catch {
      answers = undefined;
    }
    if (answers) {
      for (let i = 0; i < group.length; i++) group[i]?.resolve(answers[i] as O);
      return;
    }
    // One after another, in the order they were submitted.
    for (const w of group) await runAlone(w);
  };

  const flush = () => {
    scheduled = false;
    while (queue.length > 0 && inFlight < o.maxInFlight) {
      const group = queue.splice(0, o.maxGroup);
      inFlight += 1;
      void send(group).finally(() => {
        inFlight -= 1;
        flush();
      });
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!scheduled && inFlight < o.maxInFlight) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
