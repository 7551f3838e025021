// Triggers the Dataform workflow over the REST API (v1beta1): compile the release config, invoke a tag with its
// transitive dependencies, poll to a final state, then list every failed action and assertion.
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
}

export interface FailedAction {
  target: string;
  kind: "assertion" | "action";
  state: string;
  failureReason?: string;
}

export interface DataformResult {
  ok: boolean;
  state: "SUCCEEDED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "COMPILATION_FAILED";
  compilationResult?: string;
  workflowInvocation?: string;
  gitCommitSha?: string;
  compilationErrors: { path?: string; actionTarget?: string; message: string }[];
  failedActions: FailedAction[];
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

export async function triggerDataform(target: DataformTarget, options: DataformOptions = {}): Promise<DataformResult> {
  const started = Date.now();
  const root = (options.rootUrl ?? "https://dataform.googleapis.com").replace(/\/+$/, "");
  const auth = options.auth ?? new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const pollMs = options.pollMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 45 * 60_000;
  const sleep =
    options.sleep ??
    ((ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        options.signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
      }));
  const parent = `projects/${target.project}/locations/${target.region}/repositories/${target.repository}`;

  async function call<T>(name: string, url: string, method: "GET" | "POST", data?: unknown, params?: Record<string, string>): Promise<T> {
    try {
      const res = await auth.request<T>({ url: `${root}/v1beta1/${url}`, method, data, params });
      return res.data;
    } catch (e) {
      const err = e as { status?: number; response?: { status?: number; data?: { error?: { message?: string } } }; message?: string };
      const status = err.response?.status ?? err.status;
      throw new DataformApiError(name, status, err.response?.data?.error?.message ?? err.message ?? String(e));
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
    failedActions: [] as FailedAction[],
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

  const invocation = await call<{ name: string }>("workflowInvocations.create", `${parent}/workflowInvocations`, "POST", {
    compilationResult: compilation.name,
    invocationConfig: {
      includedTags: [options.tag ?? "daily"],
      transitiveDependenciesIncluded: true,
      transitiveDependentsIncluded: false,
      fullyRefreshIncrementalTablesEnabled: false,
      ...(options.serviceAccount ? { serviceAccount: options.serviceAccount } : {}),
    },
  });

  let state = "RUNNING";
  let pollErrors = 0;
  const deadline = started + timeoutMs;
  while (state === "RUNNING" || state === "CANCELING" || state === "STATE_UNSPECIFIED") {
    if (Date.now() >= deadline || options.signal?.aborted) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    try {
      state = (await call<{ state?: string }>("workflowInvocations.get", invocation.name, "GET")).state ?? "STATE_UNSPECIFIED";
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
    await call("workflowInvocations.cancel", `${invocation.name}:cancel`, "POST", {}).catch(() => undefined);
  }

  const actions = await pages<{ target?: Target; state?: string; failureReason?: string }>(
    "workflowInvocations.query",
    `${invocation.name}:query`,
    "workflowInvocationActions",
  );
  const actionCounts: Record<string, number> = {};
  for (const a of actions) actionCounts[a.state ?? "UNKNOWN"] = (actionCounts[a.state ?? "UNKNOWN"] ?? 0) + 1;
  const failed = actions.filter((a) => a.state === "FAILED");
  let assertionTargets = new Set<string>();
  if (failed.length) {
    const compiled = await pages<{ target?: Target; assertion?: unknown }>(
      "compilationResults.query",
      `${compilation.name}:query`,
      "compilationResultActions",
    );
    assertionTargets = new Set(compiled.filter((a) => a.assertion).map((a) => targetName(a.target)));
  }
  return {
    ...base,
    ok: finalState === "SUCCEEDED",
    state: finalState,
    workflowInvocation: invocation.name,
    compilationErrors: [],
    actionCounts,
    failedActions: failed.map((a) => ({
      target: targetName(a.target),
      kind: assertionTargets.has(targetName(a.target)) ? "assertion" : "action",
      state: a.state!,
      failureReason: a.failureReason,
    })),
    durationMs: Date.now() - started,
  };
}
