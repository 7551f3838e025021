// Fault switches and rate limits: deterministic from the seed, applied per request by the server.
import { rng, type Rng, unit } from "./rng.ts";

export interface FaultOptions {
  /** probability of a 500/502/503 (Anthropic also 529) instead of the answer */
  serverErrors?: number;
  /** probability of a spurious 429 with Retry-After */
  rateLimitStorm?: number;
  /** latency added to every vendor request, ms */
  slowMs?: number;
  /** probability that a 200 body is cut mid-JSON and the connection closed */
  truncatedBodies?: number;
  /** fraction of records made invalid (natural-key field removed or nulled, or non-numeric cost amount) */
  invalidRecords?: number;
  /** add unknown new fields to records and pages */
  unknownFields?: boolean;
}

export function checkFaults(f: FaultOptions): Required<FaultOptions> {
  const p = (name: keyof FaultOptions, v: number | undefined) => {
    if (v === undefined) return 0;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`faults.${name} must be a probability from 0 to 1, got ${v}`);
    return v;
  };
  if (f.slowMs !== undefined && !(Number.isFinite(f.slowMs) && f.slowMs >= 0)) throw new Error(`faults.slowMs must be a non-negative number, got ${f.slowMs}`);
  return {
    serverErrors: p("serverErrors", f.serverErrors),
    rateLimitStorm: p("rateLimitStorm", f.rateLimitStorm),
    slowMs: f.slowMs ?? 0,
    truncatedBodies: p("truncatedBodies", f.truncatedBodies),
    invalidRecords: p("invalidRecords", f.invalidRecords),
    unknownFields: f.unknownFields ?? false,
  };
}

/** Draws per request from one seeded stream: same seed and request order, same faults. */
export class FaultDice {
  private r: Rng;
  constructor(private readonly seed: number) {
    this.r = rng(seed, "faults");
  }
  reset(): void {
    this.r = rng(this.seed, "faults");
  }
  roll(p: number): boolean {
    return p > 0 && this.r.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return this.r.pick(items);
  }
}

/** Whether one record is deliberately invalid: a property of the record, so retries agree. */
export function isInvalid(seed: number, fraction: number, stream: string, key: string): boolean {
  return fraction > 0 && unit(seed, "invalid", stream, key) < fraction;
}

/** Fixed one-minute windows (60 s / timeScale, aligned to the epoch like a wall clock) per rate-limit family. */
export class RateLimiter {
  private readonly windows = new Map<string, { index: number; count: number }>();
  constructor(private readonly timeScale: number) {}

  get windowMs(): number {
    return 60_000 / this.timeScale;
  }

  /** null when allowed, else the Retry-After in vendor seconds */
  take(family: string, limit: number): number | null {
    const elapsed = Date.now();
    const index = Math.floor(elapsed / this.windowMs);
    const w = this.windows.get(family);
    if (!w || w.index !== index) {
      this.windows.set(family, { index, count: 1 });
      return null;
    }
    if (w.count < limit) {
      w.count++;
      return null;
    }
    const remainingMs = (index + 1) * this.windowMs - elapsed;
    return Math.max(1, Math.ceil((remainingMs * this.timeScale) / 1000));
  }
}
