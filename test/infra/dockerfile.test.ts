import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, "utf8");
const instructions = dockerfile.split("\n").filter((l) => /^[A-Z]+\s/.test(l));

describe("Dockerfile", () => {
  it("is multi-stage on a current Node LTS slim base", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-[a-z]+-slim@sha256:[0-9a-f]{64}$/m); // pinned by digest
    expect(instructions.filter((l) => l.startsWith("FROM ")).length).toBeGreaterThanOrEqual(2);
  });

  it("installs production dependencies only in what ships, and runs compiled JS as a non-root user", () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(dockerfile).toContain("npm ci --omit=dev");
    expect(runtime).toMatch(/^USER (node|\d{3,})$/m);
    expect(runtime).not.toMatch(/^USER root$/m);
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    expect(runtime).toContain('CMD ["node", "--enable-source-maps", "dist/service/main.js"]');
    expect(runtime).toMatch(/^ENV .*PORT=8080/m); // the server listens on $PORT (Cloud Run sets it)
  });

  it("builds for the Node major CI tests", () => {
    const major = dockerfile.match(/^ARG NODE_IMAGE=node:(\d+)-/m)![1];
    const ci = readFileSync(`${root}.github/workflows/ci.yml`, "utf8");
    expect(ci.match(/node: \[([\d, ]+)\]/)![1]!.split(/,\s*/)).toContain(major);
  });

  it("has a .dockerignore that keeps secrets, node_modules and local state out of the context", () => {
    const ignore = readFileSync(`${root}.dockerignore`, "utf8").split("\n");
    expect(ignore[ignore.findIndex((l) => !l.startsWith("#"))]).toBe("*"); // allow-list
    expect(ignore).not.toContain("!.env");
    expect(ignore).not.toContain("!node_modules/");
  });

  // Reproduces the runtime stage without Docker (no engine here): tsc build, npm ci --omit=dev in a temp folder,
  // start, GET /health, SIGTERM.
  it("runtime stage starts from production dependencies only and answers /health", async () => {
    const { stdout } = await promisify(execFile)("bash", [`${root}scripts/verify-image-runtime.sh`], { cwd: root, timeout: 240_000 });
    expect(stdout).toContain("OK: runtime stage starts");
    expect(stdout).toMatch(/GET \/health -> \{"status":"ok"/);
  }, 240_000);
});
