/**
 * Fault injection for Web API methods: fail the next calls with a Slack error (or an HTTP status),
 * or hold a call (optionally after it took effect, as a crash between Slack posting a message and
 * the caller hearing of it) until the test releases it or the server closes.
 */
export type FaultResponse =
  | { kind: 'error'; error: string; status?: number; retryAfterS?: number }
  | { kind: 'hold'; afterEffect: boolean };

interface Fault {
  method: string;
  response: FaultResponse;
  remaining: number;
}

export class Faults {
  private faults: Fault[] = [];
  private waiting: (() => void)[] = [];
  private heldCalls: { method: string; release: () => void }[] = [];
  private heldListeners: ((method: string) => void)[] = [];

  add(method: string, response: FaultResponse, times = 1): void {
    this.faults.push({ method, response, remaining: times });
  }

  take(method: string): FaultResponse | undefined {
    const fault = this.faults.find((f) => f.method === method);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.response;
  }

  /** Holds a call until {@link releaseAll} (or close); tells whoever waits for a held call. */
  hold(method: string): Promise<void> {
    return new Promise((resolve) => {
      this.heldCalls.push({ method, release: resolve });
      for (const l of this.heldListeners.splice(0)) l(method);
    });
  }

  /** Resolves when a call is being held (at once when one already is). */
  whenHeld(): Promise<string> {
    const held = this.heldCalls[0];
    if (held) return Promise.resolve(held.method);
    return new Promise((resolve) => this.heldListeners.push(resolve));
  }

  get held(): number {
    return this.heldCalls.length;
  }

  releaseAll(): void {
    for (const h of this.heldCalls.splice(0)) h.release();
    for (const w of this.waiting.splice(0)) w();
  }

  clear(): void {
    this.faults = [];
    this.releaseAll();
  }
}
