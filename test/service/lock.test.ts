import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Storage } from "@google-cloud/storage";
import { gcsLock, LockBusyError, parseGcsUri } from "../../service/lock.ts";
import { startFakeGcs } from "./fake-gcs.ts";

let gcs: Awaited<ReturnType<typeof startFakeGcs>>;
let storage: Storage;
beforeAll(async () => {
  gcs = await startFakeGcs();
  storage = new Storage({ apiEndpoint: gcs.apiEndpoint, projectId: "p1", retryOptions: { autoRetry: false } });
});
afterAll(() => gcs.close());

describe("GCS run lock (storage client against a loopback fake)", () => {
  it("lets one holder in, refuses a second with the holder's details, and frees on release", async () => {
    const lock = gcsLock(storage, "gs://lake/locks/a.lock", 60_000);
    const first = await lock.acquire("run-1");
    expect(gcs.objects.get("lake/locks/a.lock")?.metadata).toMatchObject({ owner: "run-1" });
    const busy = await lock.acquire("run-2").catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as LockBusyError).holder?.owner).toBe("run-1");
    await first.release();
    expect(gcs.objects.has("lake/locks/a.lock")).toBe(false);
    const second = await lock.acquire("run-2");
    expect(second.holder.owner).toBe("run-2");
    await second.release();
  });

  it("only one of many simultaneous acquirers wins", async () => {
    const lock = gcsLock(storage, "gs://lake/locks/race.lock", 60_000);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => lock.acquire(`run-${i}`)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof LockBusyError)).toHaveLength(7);
  });

  it("takes over a stale lock after its TTL, and the old holder's release does not free the new one", async () => {
    let now = Date.parse("2026-11-22T06:00:00Z");
    const lock = gcsLock(storage, "gs://lake/locks/stale.lock", 60_000, () => now);
    const crashed = await lock.acquire("crashed-run");
    now += 59_000;
    await expect(lock.acquire("too-early")).rejects.toBeInstanceOf(LockBusyError);
    now += 2_000;
    const fresh = await lock.acquire("next-run");
    expect(fresh.holder.owner).toBe("next-run");
    await crashed.release(); // generation mismatch: must not delete next-run's lock
    expect(gcs.objects.get("lake/locks/stale.lock")?.metadata.owner).toBe("next-run");
    await fresh.release();
  });

  it("rejects a lock URI that is not gs://bucket/object", () => {
    expect(() => parseGcsUri("gs://bucket-only")).toThrow(/gs:\/\/<bucket>\/<object>/);
  });
});
