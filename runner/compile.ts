// Runs the real Dataform CLI (`compile --json`, package.json mode: offline) and returns the compiled graph.
import { execFile } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { CompilationError, CompiledGraph } from "./graph.ts";

export interface CompileOptions {
  projectDir: string;
  vars?: Record<string, string>;
  defaultSchema?: string;
  assertionSchema?: string;
  defaultDatabase?: string;
  schemaSuffix?: string;
  tablePrefix?: string;
  /** Compile timeout in ms (default 120 s). */
  timeoutMs?: number;
}

export class CompileError extends Error {
  constructor(readonly errors: CompilationError[]) {
    super(
      `Dataform compilation failed with ${errors.length} error(s):\n` +
        errors.map((e) => `  ${e.fileName ?? "(unknown file)"}: ${e.message}`).join("\n"),
    );
    this.name = "CompileError";
  }
}

const require = createRequire(import.meta.url);
const cliBundle = () => join(dirname(require.resolve("@dataform/cli/package.json")), "bundle.js");
const coreDir = () => dirname(require.resolve("@dataform/core/package.json"));

function hasOwnCore(projectDir: string): boolean {
  const nodeModules = join(projectDir, "node_modules");
  return existsSync(join(nodeModules, "@dataform", "core", "package.json")) && !lstatSync(nodeModules).isSymbolicLink();
}

// The CLI needs <project>/node_modules/@dataform/core and refuses a symlinked node_modules, so a project
// without one (a fixture, a fresh checkout) is compiled from a temp copy with the repo's core copied in.
function stageProject(projectDir: string): string {
  const staged = mkdtempSync(join(tmpdir(), "dataform-compile-"));
  const skip = new Set(["node_modules", ".git", ".local"]);
  cpSync(projectDir, staged, { recursive: true, filter: (src) => src === projectDir || !skip.has(basename(src)) });
  cpSync(coreDir(), join(staged, "node_modules", "@dataform", "core"), { recursive: true });
  return staged;
}

export function compileArgs(opts: CompileOptions): string[] {
  const args: string[] = [];
  const vars = Object.entries(opts.vars ?? {});
  for (const [k, v] of vars) {
    if (!/^\w+$/.test(k)) throw new Error(`compile: var name "${k}" must be letters, digits or _`);
    if (/[,=]/.test(v)) throw new Error(`compile: var ${k}="${v}" must not contain "," or "=" (the CLI's --vars format cannot carry them)`);
  }
  if (vars.length) args.push(`--vars=${vars.map(([k, v]) => `${k}=${v}`).join(",")}`);
  const flags: Array<[keyof CompileOptions, string]> = [
    ["defaultSchema", "--default-schema"],
    ["assertionSchema", "--assertion-schema"],
    ["defaultDatabase", "--default-database"],
    ["schemaSuffix", "--schema-suffix"],
    ["tablePrefix", "--table-prefix"],
  ];
  for (const [key, flag] of flags) if (opts[key]) args.push(`${flag}=${String(opts[key])}`);
  return args;
}

/** Compiles a Dataform project; throws CompileError listing every compilation error with its file. */
export async function compile(opts: CompileOptions): Promise<CompiledGraph> {
  const projectDir = resolve(opts.projectDir);
  if (!existsSync(join(projectDir, "workflow_settings.yaml"))) {
    throw new Error(`compile: ${projectDir} is not a Dataform project (no workflow_settings.yaml)`);
  }
  if (!existsSync(join(projectDir, "package.json"))) {
    throw new Error(`compile: ${projectDir} needs a package.json depending on @dataform/core (offline package.json mode)`);
  }
  const workDir = hasOwnCore(projectDir) ? projectDir : stageProject(projectDir);
  try {
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((done) => {
      execFile(
        process.execPath,
        [cliBundle(), "compile", workDir, "--json", ...compileArgs(opts)],
        { maxBuffer: 512 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
        (err, out, errOut) => done({ stdout: out, stderr: errOut, code: err ? (typeof err.code === "number" ? err.code : 1) : 0 }),
      );
    });
    let graph: CompiledGraph;
    try {
      graph = JSON.parse(stdout) as CompiledGraph; // printed even when the exit code is 1
    } catch {
      throw new Error(`dataform compile failed (exit ${code}) without JSON output:\n${(stderr || stdout).trim().slice(0, 4000)}`);
    }
    const errors = graph.graphErrors?.compilationErrors ?? [];
    if (errors.length) throw new CompileError(errors);
    if (code !== 0) throw new Error(`dataform compile exited with ${code}:\n${stderr.trim().slice(0, 4000)}`);
    return graph;
  } finally {
    if (workDir !== projectDir) rmSync(workDir, { recursive: true, force: true });
  }
}
