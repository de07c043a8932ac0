/** When the outbox tries a failed row again: doubling from `baseMs` after each attempt, up to `capMs`. */
export function retryDelayMs(attempts: number, baseMs: number, capMs: number): number {
  const n = Math.max(1, Math.floor(attempts));
  // 2^30 is past any cap; the exponent is bounded so the product stays finite.
  return Math.min(capMs, baseMs * 2 ** Math.min(n - 1, 30));
}
