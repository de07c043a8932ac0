/**
 * A background worker woken by hints (a LISTEN notification, a caller) and by its own timer: one
 * run at a time; a wake during a run makes it look again at once. A run does bounded passes while
 * they are full, then asks how long to sleep. What the outbox dispatcher and the PR watcher share.
 */
export interface WakeLoop {
  /** Look now (or again at once, when a run is under way). */
  wake(): void;
  /** Resolves when the run under way (if any) has ended. */
  idle(): Promise<void>;
  /** No more runs; waits up to `timeoutMs` for the one under way. */
  stop(timeoutMs?: number): Promise<void>;
  readonly stopped: boolean;
}

export function createWakeLoop(o: {
  /** One bounded pass; true: it was full, look again at once. */
  pass(): Promise<boolean>;
  /** After the passes: how long to sleep before the next run (woken sooner by a hint). */
  nextDelayMs(): Promise<number>;
  /** The sleep after a run that failed. */
  retryMs: number;
  /** A run failed (not called once stopped). */
  onError(err: unknown): void;
}): WakeLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, ms);
    timer.unref();
  };

  const run = async (): Promise<void> => {
    let delay = o.retryMs;
    try {
      do {
        again = false;
        if (await o.pass()) again = true;
      } while (again && !stopped);
      delay = await o.nextDelayMs();
    } catch (err) {
      if (!stopped) o.onError(err);
    }
    // Woken while finishing up: look again at once.
    schedule(again ? 0 : delay);
  };

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = run().finally(() => {
      running = undefined;
    });
  }

  return {
    wake,
    get stopped() {
      return stopped;
    },
    async idle() {
      await running;
    },
    async stop(timeoutMs = 5000) {
      stopped = true;
      clearTimeout(timer);
      if (running) {
        let t: NodeJS.Timeout | undefined;
        await Promise.race([running, new Promise((r) => (t = setTimeout(r, timeoutMs)))]);
        clearTimeout(t);
      }
    },
  };
}
