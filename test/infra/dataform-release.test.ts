// The Dataform project as GCP compiles it (scripts/publish-dataform.sh) and its release (scripts/release-dataform.sh).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { compile, REPO_ROOT, type CompiledGraph } from "../../runner/index.ts";
import { startFakeDataform } from "../service/fake-dataform.ts";

const require = createRequire(import.meta.url);
const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
const publish = (commit: string) => execFileSync("bash", ["scripts/publish-dataform.sh", commit], { cwd: REPO_ROOT, encoding: "utf8" }).trim();

describe("scripts/publish-dataform.sh", () => {
  const head = git("rev-parse", "HEAD");
  let published: string;
  let dir: string;
  beforeAll(() => {
    published = publish(head);
    dir = mkdtempSync(join(tmpdir(), "dataform-published-"));
    execFileSync("bash", ["-c", `git archive ${published} | tar -x -C ${dir}`], { cwd: REPO_ROOT });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("publishes only the Dataform project, with @dataform/core as its only package, deterministically", () => {
    expect(readdirSync(dir).sort()).toEqual(["definitions", "includes", "workflow_settings.yaml"]);
    const core = (require("../../package.json") as { dependencies: Record<string, string> }).dependencies["@dataform/core"];
    expect(git("show", `${published}:workflow_settings.yaml`)).toContain(`\ndataformCoreVersion: ${core}\n`);
    expect(git("rev-parse", `${published}^{tree}:definitions`)).toBe(git("rev-parse", `${head}:definitions`));
    expect(publish(head)).toBe(published); // same source, same commit: the image can carry it
  });

  // The CLI compiles a project with dataformCoreVersion as GCP does: @dataform/core alone, installed into a temp
  // folder (npm, from the local cache when it has it), then the same graph as the repository's package.json mode.
  it("compiles, in workflow_settings mode, to the same graph as the repository", async () => {
    const cli = join(dirname(require.resolve("@dataform/cli/package.json")), "bundle.js");
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "compile", dir, "--json"], {
      maxBuffer: 256 * 1024 * 1024,
      timeout: 180_000,
      env: { ...process.env, npm_config_prefer_offline: "true" },
    });
    const publishedGraph = JSON.parse(stdout) as CompiledGraph;
    const repoGraph = await compile({ projectDir: REPO_ROOT });
    const shape = (g: CompiledGraph) => ({
      errors: g.graphErrors?.compilationErrors ?? [],
      tables: (g.tables ?? []).map((t) => [t.target, t.query, t.incrementalQuery]),
      assertions: (g.assertions ?? []).map((a) => [a.target, a.query]),
      declarations: (g.declarations ?? []).map((d) => d.target),
    });
    expect(shape(publishedGraph)).toEqual(shape(repoGraph));
    expect(publishedGraph.dataformCoreVersion).toBe(repoGraph.dataformCoreVersion);
  }, 200_000);
});

describe("scripts/release-dataform.sh", () => {
  const env = (rootUrl: string) => ({ ...process.env, PROJECT_ID: "p1", REGION: "us-central1", DATAFORM_REPOSITORY: "ai-usage", ACCESS_TOKEN: "t", DATAFORM_API_ROOT: rootUrl });
  // Asynchronous: the fake API answers from this process.
  const release = (rootUrl: string, expected: string) =>
    new Promise<{ status: number | null; stderr: string }>((done) => {
      execFile("bash", ["scripts/release-dataform.sh", "production", expected], { cwd: REPO_ROOT, env: env(rootUrl), timeout: 30_000 }, (err, _out, stderr) =>
        done({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr }),
      );
    });

  it("compiles the release config and releases that compilation", async () => {
    const fake = await startFakeDataform({ states: [], commit: "a".repeat(40) });
    const run = await release(fake.rootUrl, "a".repeat(40));
    await fake.close();
    expect(run.status, run.stderr).toBe(0);
    const repo = "projects/p1/locations/us-central1/repositories/ai-usage";
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /v1/${repo}/compilationResults`, `PATCH /v1/${repo}/releaseConfigs/production`]);
    expect(fake.calls[0]!.body).toEqual({ releaseConfig: `${repo}/releaseConfigs/production` });
    expect(fake.calls[1]!.query.get("updateMask")).toBe("releaseCompilationResult");
    expect(fake.calls[1]!.body).toEqual({ releaseCompilationResult: `${repo}/compilationResults/cr1` });
  });

  it("releases nothing on a compilation error or another commit than the published one", async () => {
    const broken = await startFakeDataform({ states: [], commit: "a".repeat(40), compilationErrors: [{ path: "definitions/x.sqlx", message: "Unexpected token" }] });
    const failed = await release(broken.rootUrl, "a".repeat(40));
    await broken.close();
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("compilation error: definitions/x.sqlx Unexpected token");
    expect(broken.calls.some((c) => c.method === "PATCH")).toBe(false);

    const stale = await startFakeDataform({ states: [], commit: "b".repeat(40) });
    const wrong = await release(stale.rootUrl, "a".repeat(40));
    await stale.close();
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`the release config compiled ${"b".repeat(40)}, expected ${"a".repeat(40)}`);
    expect(stale.calls.some((c) => c.method === "PATCH")).toBe(false);
  });
});
