// The subset of the loaders' interface (loaders/index.ts: runLoad, RunSummary) the service relies on; main.ts passes the
// real runLoad, so the compiler checks the two stay compatible, and tests can pass small fakes.
export interface LoadOptions {
  mode: "dry_run" | "development" | "production";
  days?: number;
  start?: string;
  end?: string;
}

export interface StreamSummary {
  source: string;
  stream: string;
  status: "succeeded" | "failed" | "skipped";
  records: number;
  quarantined: number;
  requests: number;
  bytes: number;
  error?: string;
}

export interface LoadSummary {
  runId: string;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  streams: StreamSummary[];
}

export type RunLoadFn<C> = (config: C, options: LoadOptions) => Promise<LoadSummary>;
