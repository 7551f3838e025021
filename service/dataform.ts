// Triggers the Dataform workflow over the REST API (v1, GA): compile the release config, check the compiled commit is
// the one this image was released with, invoke a tag with its transitive dependencies, poll to a final state, then
// report every action and assertion with its outcome. Create calls are retried on transient errors; a retried
// invocation is looked up first, so a lost answer never starts the workflow twice.
import { GoogleAuth } from "google-auth-library";

/** What google-auth-library's GoogleAuth / AuthClient offer: an authorized request. */
export interface AuthorizedRequester {
  request<T>(opts: { url: string; method?: "GET" | "POST"; data?: unknown; params?: Record<string, string> }): Promise<{ data: T }>;
}

export interface DataformTarget {
  project: string;
  region: string;
  repository: string;
  releaseConfig: string;
}

export interface DataformOptions {
  rootUrl?: string;
  auth?: AuthorizedRequester;
  tag?: string;
  /** Service account the invocation runs as (strict act-as); the repository's default when absent. */
  serviceAccount?: string;
  pollMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  /** Rebuild incremental tables from scratch (repairs): Dataform's fullyRefreshIncrementalTablesEnabled. */
  fullRefresh?: boolean;
  /** The Dataform commit this image was released with (DATAFORM_COMMIT); another compiled commit fails the run. */
  expectedCommit?: string;
  /** Waits between attempts of a call that failed transiently (429, 5xx, network); default 2 s, 10 s, 30 s. */
  retryDelaysMs?: number[];
}

export interface ActionResult {
  target: string;
  kind: "assertion" | "action";
  /** PENDING, RUNNING, SKIPPED, DISABLED, SUCCEEDED, CANCELLED or FAILED. */
  state: string;
  failureReason?: string;
  durationMs?: number;
}

export interface DataformResult {
  ok: boolean;
  state: "SUCCEEDED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "COMPILATION_FAILED" | "WRONG_COMMIT";
  compilationResult?: string;
  workflowInvocation?: string;
  gitCommitSha?: string;
  compilationErrors: { path?: string; actionTarget?: string; message: string }[];
  /** Every action of the invocation with its outcome, in the API's order. */
  actions: ActionResult[];
  failedActions: ActionResult[];
  actionCounts: Record<string, number>;
  durationMs: number;
}

type Target = { database?: string; schema?: string; name?: string };
const targetName = (t: Target | undefined) => [t?.database, t?.schema, t?.name].filter(Boolean).join(".");

export class DataformApiError extends Error {
  constructor(
    readonly call: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`Dataform API ${call} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`);
    this.name = "DataformApiError";
  }
}

const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

export async function triggerDataform(target: DataformTarget, options: DataformOptions = {}): Promise<DataformResult> {
  const started = Date.now();
  const root = (options.rootUrl ?? "https://dataform.googleapis.com").replace(/\/+$/, "");
  const auth = options.auth ?? new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const pollMs = options.pollMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 60 * 60_000;
  const retryDelays = options.retryDelaysMs ?? [2_000, 10_000, 30_000];
  const sleep =
    options.sleep ??
    ((ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        options.signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
      }));
  const parent = `projects/${target.project}/locations/${target.region}/repositories/${target.repository}`;

  async function once<T>(name: string, url: string, method: "GET" | "POST", data?: unknown, params?: Record<string, string>): Promise<T> {
    try {
      const res = await auth.request<T>({ url: `${root}/v1/${url}`, method, data, params });
      return res.data;
    } catch (e) {
      const err = e as { status?: number; response?: { status?: number; data?: { error?: { message?: string } } }; message?: string };
      const status = err.response?.status ?? err.status;
      throw new DataformApiError(name, status, err.response?.data?.error?.message ?? err.message ?? String(e));
    }
  }

  /** A call retried on 408/429/5xx and network errors; `before` runs ahead of each retry (and may answer instead). */
  async function call<T>(
    name: string,
    url: string,
    method: "GET" | "POST",
    data?: unknown,
    params?: Record<string, string>,
    before?: () => Promise<T | undefined>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once<T>(name, url, method, data, params);
      } catch (e) {
        const status = (e as DataformApiError).status;
        if (attempt >= retryDelays.length || (status !== undefined && !TRANSIENT.has(status))) throw e;
        await sleep(retryDelays[attempt]!);
        const found = await before?.();
        if (found !== undefined) return found;
      }
    }
  }

  async function pages<T>(name: string, url: string, key: string): Promise<T[]> {
    const all: T[] = [];
    let pageToken: string | undefined;
    do {
      const params: Record<string, string> = { pageSize: "1000", ...(pageToken ? { pageToken } : {}) };
      const page = await call<Record<string, unknown>>(name, url, "GET", undefined, params);
      all.push(...((page[key] as T[] | undefined) ?? []));
      pageToken = (page.nextPageToken as string | undefined) || undefined;
    } while (pageToken);
    return all;
  }

  // Compiling twice is harmless: an unanswered create is simply repeated.
  const compilation = await call<{
    name: string;
    resolvedGitCommitSha?: string;
    compilationErrors?: { path?: string; actionTarget?: Target; message?: string }[];
  }>("compilationResults.create", `${parent}/compilationResults`, "POST", {
    releaseConfig: `${parent}/releaseConfigs/${target.releaseConfig}`,
  });
  const base = {
    compilationResult: compilation.name,
    gitCommitSha: compilation.resolvedGitCommitSha,
    compilationErrors: [] as DataformResult["compilationErrors"],
    actions: [] as ActionResult[],
    failedActions: [] as ActionResult[],
    actionCounts: {} as Record<string, number>,
  };
  if (compilation.compilationErrors?.length) {
    return {
      ...base,
      ok: false,
      state: "COMPILATION_FAILED",
      compilationErrors: compilation.compilationErrors.map((e) => ({
        path: e.path,
        actionTarget: e.actionTarget ? targetName(e.actionTarget) : undefined,
        message: e.message ?? "(no message)",
      })),
      durationMs: Date.now() - started,
    };
  }
  if (options.expectedCommit && compilation.resolvedGitCommitSha !== options.expectedCommit) {
    const message = `release config ${target.releaseConfig} compiled commit ${compilation.resolvedGitCommitSha ?? "(none)"}, but this image was released with Dataform commit ${options.expectedCommit}: redeploy (scripts/deploy.sh) so code and SQL match`;
    return { ...base, ok: false, state: "WRONG_COMMIT", compilationErrors: [{ message }], durationMs: Date.now() - started };
  }

  // A create whose answer was lost may still have started the invocation: look for one of this compilation first.
  const existing = async () =>
    (await pages<{ name: string; compilationResult?: string }>("workflowInvocations.list", `${parent}/workflowInvocations`, "workflowInvocations")).find(
      (w) => w.compilationResult === compilation.name,
    );
  const invocation = await call<{ name: string }>(
    "workflowInvocations.create",
    `${parent}/workflowInvocations`,
    "POST",
    {
      compilationResult: compilation.name,
      invocationConfig: {
        includedTags: [options.tag ?? "daily"],
        transitiveDependenciesIncluded: true,
        transitiveDependentsIncluded: false,
        fullyRefreshIncrementalTablesEnabled: options.fullRefresh === true,
        ...(options.serviceAccount ? { serviceAccount: options.serviceAccount } : {}),
      },
    },
    undefined,
    existing,
  );

  let state = "RUNNING";
  let pollErrors = 0;
  const deadline = started + timeoutMs;
  while (state === "RUNNING" || state === "CANCELING" || state === "STATE_UNSPECIFIED") {
    if (Date.now() >= deadline || options.signal?.aborted) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    try {
      state = (await once<{ state?: string }>("workflowInvocations.get", invocation.name, "GET")).state ?? "STATE_UNSPECIFIED";
      pollErrors = 0;
    } catch (e) {
      if (++pollErrors >= 3) throw e; // a blip in polling must not fail a run that is going fine
    }
  }
  let finalState: DataformResult["state"];
  if (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED") finalState = state;
  else {
    finalState = "TIMED_OUT";
    // Stop the warehouse work so the next run does not race this one.
    await once("workflowInvocations.cancel", `${invocation.name}:cancel`, "POST", {}).catch(() => undefined);
  }

  const invoked = await pages<{ target?: Target; state?: string; failureReason?: string; invocationTiming?: { startTime?: string; endTime?: string } }>(
    "workflowInvocations.query",
    `${invocation.name}:query`,
    "workflowInvocationActions",
  );
  const compiled = await pages<{ target?: Target; assertion?: unknown }>("compilationResults.query", `${compilation.name}:query`, "compilationResultActions");
  const assertionTargets = new Set(compiled.filter((a) => a.assertion).map((a) => targetName(a.target)));
  const actions = invoked.map((a): ActionResult => {
    const start = Date.parse(a.invocationTiming?.startTime ?? "");
    const end = Date.parse(a.invocationTiming?.endTime ?? "");
    return {
      target: targetName(a.target),
      kind: assertionTargets.has(targetName(a.target)) ? "assertion" : "action",
      state: a.state ?? "UNKNOWN",
      ...(a.failureReason ? { failureReason: a.failureReason } : {}),
      ...(Number.isFinite(start) && Number.isFinite(end) ? { durationMs: end - start } : {}),
    };
  });
  const actionCounts: Record<string, number> = {};
  for (const a of actions) actionCounts[a.state] = (actionCounts[a.state] ?? 0) + 1;
  return {
    ...base,
    ok: finalState === "SUCCEEDED",
    state: finalState,
    workflowInvocation: invocation.name,
    actions,
    failedActions: actions.filter((a) => a.state === "FAILED"),
    actionCounts,
    durationMs: Date.now() - started,
  };
}
