// The loaders' interface as the service uses it (loaders/index.ts: runLoad, RunSummary).
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
