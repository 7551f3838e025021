// The run record: one JSON object per run (request, every stream, every Dataform action, cost check), and a marker
// per scheduled day once that day's run has succeeded, so a repeated execution of the same day does nothing.
// In GCS (the state bucket, not the immutable lake); in memory for local development.
import type { Storage } from "@google-cloud/storage";
import { parseGcsUri } from "./lock.ts";

export interface RunRecords {
  describe(): string;
  /** Stores the record of a finished run; returns where. */
  write(runId: string, record: unknown): Promise<string>;
  /** The run id that completed the scheduled run of `day`, if one did. */
  completed(day: string): Promise<string | undefined>;
  /** Marks the scheduled run of `day` done (first writer wins). */
  markCompleted(day: string, runId: string): Promise<void>;
}

const status = (e: unknown): number | undefined => (e as { code?: unknown }).code as number | undefined;

export function gcsRunRecords(storage: Storage, uri: string): RunRecords {
  const { bucket, object } = parseGcsUri(uri.endsWith("/") ? `${uri}x` : `${uri}/x`);
  const prefix = object.slice(0, -1); // "<prefix>/"
  const file = (name: string) => storage.bucket(bucket).file(`${prefix}${name}`);
  const create = (name: string, body: unknown) =>
    file(name).save(JSON.stringify(body, null, 1), { resumable: false, contentType: "application/json", preconditionOpts: { ifGenerationMatch: 0 } });
  return {
    describe: () => uri,
    async write(runId, record) {
      await create(`runs/${runId}.json`, record);
      return `gs://${bucket}/${prefix}runs/${runId}.json`;
    },
    async completed(day) {
      try {
        const [body] = await file(`daily/${day}.json`).download();
        return (JSON.parse(body.toString("utf8")) as { runId: string }).runId;
      } catch (e) {
        if (status(e) === 404) return undefined;
        throw e;
      }
    },
    async markCompleted(day, runId) {
      try {
        await create(`daily/${day}.json`, { day, runId, completedAt: new Date().toISOString() });
      } catch (e) {
        if (status(e) !== 412) throw e; // another execution of the same day finished first
      }
    },
  };
}

export function memoryRunRecords(): RunRecords & { records: Map<string, unknown> } {
  const records = new Map<string, unknown>();
  const days = new Map<string, string>();
  return {
    records,
    describe: () => "memory",
    async write(runId, record) {
      records.set(runId, record);
      return `memory:runs/${runId}`;
    },
    completed: async (day) => days.get(day),
    async markCompleted(day, runId) {
      if (!days.has(day)) days.set(day, runId);
    },
  };
}
