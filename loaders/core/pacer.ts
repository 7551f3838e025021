// Client-side pacing: requests sharing a vendor limit start at least `60 s / perMinute` apart, so a normal run
// never meets a 429. A 5 % margin absorbs network jitter between our clock and the vendor's window.
export interface Limit {
  perMinute: number;
}

export class Pacer {
  private nextStart = 0;
  private readonly intervalMs: number;

  constructor(limit: Limit, timeScale = 1) {
    this.intervalMs = ((60_000 / limit.perMinute) * 1.05) / timeScale;
  }

  /** Resolves when the caller may start its request. */
  async wait(): Promise<void> {
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  }
}
