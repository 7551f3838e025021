// One daily job at a time per environment, across instances and restarts: a GCS object created with
// ifGenerationMatch=0 (create-only). A holder that died leaves it behind; after its expiry anyone may take it.
import type { Storage } from "@google-cloud/storage";

export interface LockHolder {
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface LockHandle {
  holder: LockHolder;
  release(): Promise<void>;
}

export interface RunLock {
  /** Throws LockBusyError when a live holder exists. */
  acquire(owner: string): Promise<LockHandle>;
  describe(): string;
}

export class LockBusyError extends Error {
  constructor(readonly holder: LockHolder | undefined) {
    super(holder ? `another run holds the lock: ${holder.owner} since ${holder.acquiredAt}, expires ${holder.expiresAt}` : "another run holds the lock");
    this.name = "LockBusyError";
  }
}

export function parseGcsUri(uri: string): { bucket: string; object: string } {
  const m = uri.match(/^gs:\/\/([^/]+)\/(.+)$/);
  if (!m) throw new Error(`lock URI must be gs://<bucket>/<object>, got "${uri}"`);
  return { bucket: m[1]!, object: m[2]! };
}

const status = (e: unknown): number | undefined => (e as { code?: unknown }).code as number | undefined;

export function gcsLock(storage: Storage, uri: string, ttlMs: number, now: () => number = Date.now): RunLock {
  const { bucket, object } = parseGcsUri(uri);
  const file = storage.bucket(bucket).file(object);

  async function tryCreate(owner: string): Promise<LockHandle | undefined> {
    const t = now();
    const holder: LockHolder = { owner, acquiredAt: new Date(t).toISOString(), expiresAt: new Date(t + ttlMs).toISOString() };
    try {
      await file.save(JSON.stringify(holder), {
        resumable: false,
        contentType: "application/json",
        metadata: { metadata: { ...holder } },
        preconditionOpts: { ifGenerationMatch: 0 },
      });
    } catch (e) {
      if (status(e) === 412) return undefined;
      throw e;
    }
    const generation = String(file.metadata.generation);
    return {
      holder,
      async release() {
        try {
          await file.delete({ ifGenerationMatch: generation });
        } catch (e) {
          // 404/412: it expired and someone else took (or removed) it; theirs now, not ours to delete.
          if (status(e) !== 404 && status(e) !== 412) throw e;
        }
      },
    };
  }

  return {
    describe: () => uri,
    async acquire(owner) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const handle = await tryCreate(owner);
        if (handle) return handle;
        let meta;
        try {
          [meta] = await file.getMetadata();
        } catch (e) {
          if (status(e) === 404) continue; // released between our two calls
          throw e;
        }
        const custom = (meta.metadata ?? {}) as Partial<Record<keyof LockHolder, string>>;
        const holder: LockHolder | undefined =
          custom.owner && custom.acquiredAt && custom.expiresAt ? (custom as LockHolder) : undefined;
        const expires = holder ? Date.parse(holder.expiresAt) : Date.parse(String(meta.updated)) + ttlMs;
        if (!(now() >= expires)) throw new LockBusyError(holder);
        try {
          await file.delete({ ifGenerationMatch: String(meta.generation) }); // only the stale generation we looked at
        } catch (e) {
          if (status(e) !== 404 && status(e) !== 412) throw e;
        }
      }
      throw new LockBusyError(undefined);
    },
  };
}

/** In-memory lock with the same contract, for local development without GCS. */
export function memoryLock(ttlMs: number, now: () => number = Date.now): RunLock {
  let current: LockHolder | undefined;
  return {
    describe: () => "memory",
    async acquire(owner) {
      if (current && now() < Date.parse(current.expiresAt)) throw new LockBusyError(current);
      const t = now();
      const holder = { owner, acquiredAt: new Date(t).toISOString(), expiresAt: new Date(t + ttlMs).toISOString() };
      current = holder;
      return {
        holder,
        release: async () => {
          if (current === holder) current = undefined;
        },
      };
    },
  };
}
