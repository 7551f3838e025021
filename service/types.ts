// The part of the loaders' interface (loaders/index.ts) the service relies on, derived from it so the two cannot
// drift; tests pass small fakes of this shape.
import type { LoadOptions, RunSummary, StreamResult } from "../loaders/index.ts";

export type { LoadOptions };

export type StreamSummary = Pick<StreamResult, "source" | "stream" | "status" | "records" | "quarantined" | "requests" | "bytes" | "error">;

export type LoadSummary = Pick<RunSummary, "runId" | "ok" | "startedAt" | "finishedAt"> & { streams: StreamSummary[] };

export type RunLoadFn<C> = (config: C, options: LoadOptions) => Promise<LoadSummary>;
