/** Source of time for the loop: wall-time limits, latencies and event timestamps (ms since epoch). */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
