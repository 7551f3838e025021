import { describe, expect, it } from "vitest";
import { compile, CompileError } from "../../runner/index.ts";
import { compileArgs } from "../../runner/compile.ts";
import { FIXTURES } from "./helpers.ts";

describe("compile (real Dataform CLI, offline)", () => {
  it("applies schema, assertion schema and vars overrides like the CLI flags", async () => {
    const graph = await compile({
      projectDir: `${FIXTURES}/basic`,
      defaultSchema: "ai_dev",
      assertionSchema: "ai_dev_assertions",
      vars: { raw_dataset: "ai_dev_raw" },
    });
    expect(graph.tables!.map((t) => `${t.target.schema}.${t.target.name}`).sort()).toEqual(["ai_dev.dim_users", "ai_dev.fct_events", "ai_dev.stg_events", "ai_dev.v_daily_spend"]);
    expect(graph.declarations!.map((d) => d.target.schema)).toEqual(["ai_dev_raw", "ai_dev_raw"]);
    expect(graph.assertions!.every((a) => a.target.schema === "ai_dev_assertions")).toBe(true);
    expect(graph.tables!.find((t) => t.target.name === "stg_events")!.query).toContain("`fixture-proj.ai_dev_raw.events`");
  });

  it("throws every compilation error with its file name", async () => {
    const error = await compile({ projectDir: `${FIXTURES}/compile_error` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    const message = (error as CompileError).message;
    expect(message).toMatch(/definitions\/missing_ref\.sqlx: Missing dependency detected: .*does_not_exist/);
    expect(message).toMatch(/definitions\/bad_config\.sqlx: Unexpected property "uniqueKey"/);
    expect((error as CompileError).errors.length).toBeGreaterThanOrEqual(2);
  });

  it("rejects a directory that is not a Dataform project, and vars the CLI cannot carry", async () => {
    await expect(compile({ projectDir: FIXTURES })).rejects.toThrow(/not a Dataform project \(no workflow_settings\.yaml\)/);
    expect(() => compileArgs({ projectDir: ".", vars: { a: "x,y" } })).toThrow(/var a="x,y" must not contain/);
    expect(compileArgs({ projectDir: ".", vars: { a: "1", b: "2" }, schemaSuffix: "ci", tablePrefix: "pr" })).toEqual([
      "--vars=a=1,b=2",
      "--schema-suffix=ci",
      "--table-prefix=pr",
    ]);
  });
});
