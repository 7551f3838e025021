import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, datasetNames, duckdbToRead, hasNoSources, loadConfig } from "../../loaders/index.ts";
import { tempDir } from "../helpers/config.ts";

const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
};

describe("loadConfig", () => {
  it("gives the local DuckDB warehouse a memory budget and a folder to spill to", () => {
    expect(loadConfig({ WAREHOUSE: "duckdb:/data/w.duckdb", DUCKDB_MEMORY_LIMIT: "1500MB" }).warehouse).toEqual({
      kind: "duckdb",
      path: "/data/w.duckdb",
      memory: { memoryLimit: "1500MB", tempDirectory: "/data/w.duckdb.tmp" },
    });
    expect(loadConfig({ DUCKDB_TEMP_DIRECTORY: "/scratch" }).warehouse).toMatchObject({ memory: { memoryLimit: "1.5GB", tempDirectory: "/scratch" } });
    expect(configError({ DUCKDB_MEMORY_LIMIT: "lots" })).toBe("DUCKDB_MEMORY_LIMIT: must be a size such as 1GB or 1500MB: the memory DuckDB may use before it spills to DUCKDB_TEMP_DIRECTORY");
  });

  it("paces at a simulator's time scale only when every vendor it talks to is on this machine", () => {
    const local = { CURSOR_API_KEY: "key_abcdef0123456789", CURSOR_API_BASE_URL: "http://127.0.0.1:8787/cursor", SHEETS_EMULATOR_HOST: "127.0.0.1:8787/sheets", GOOGLE_SHEETS_SPREADSHEET_ID: "1abcdefghijkl" };
    expect(loadConfig(local).timeScale).toBe(1);
    expect(loadConfig({ ...local, SIMULATOR_TIME_SCALE: "30" }).timeScale).toBe(30);
    expect(configError({ ...local, SIMULATOR_TIME_SCALE: "fast" })).toContain("SIMULATOR_TIME_SCALE: must be a positive number");
    expect(configError({ ...local, ANTHROPIC_ADMIN_API_KEY: "sk-ant-admin01-abcdef", SIMULATOR_TIME_SCALE: "30" })).toBe(
      "SIMULATOR_TIME_SCALE: paces the loaders 30 times faster than the vendors allow, which only a simulator on this machine accepts, but ANTHROPIC_API_BASE_URL points at https://api.anthropic.com; remove SIMULATOR_TIME_SCALE (npm run simulator writes it to the .env it points at itself)",
    );
  });

  it("defaults to the embedded local setup with no sources", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      environment: "development",
      dataset: "ai_usage_dev",
      lakeUri: "file://.local/lake",
      warehouse: { kind: "duckdb", path: ".local/warehouse.duckdb", memory: { memoryLimit: "1.5GB", tempDirectory: ".local/warehouse.duckdb.tmp" } },
      logLevel: "info",
    });
    expect(hasNoSources(config)).toBe(true);
  });

  it("derives the dataset from ENVIRONMENT and reads each source's settings", () => {
    const config = loadConfig({
      ENVIRONMENT: "production",
      CURSOR_API_KEY: "key_abcdef0123456789",
      ANTHROPIC_ADMIN_API_KEY: "sk-ant-admin01-abcdef",
      ANTHROPIC_API_BASE_URL: "http://127.0.0.1:9999",
      MAPPING_URI: "file://./mapping/",
      WAREHOUSE: "bigquery",
      LAKE_URI: "gs://bucket/prefix",
      GOOGLE_CLOUD_PROJECT: "my-proj",
      LOG_LEVEL: "WARNING",
    });
    expect(config).toMatchObject({
      dataset: "ai_usage",
      warehouse: { kind: "bigquery", project: "my-proj" },
      cursor: { baseUrl: "https://api.cursor.com" },
      anthropic: { baseUrl: "http://127.0.0.1:9999" },
      mapping: { kind: "csv", dir: "./mapping/" },
      logLevel: "warn",
    });
  });

  it("stops on bad configuration naming the variable and the fix", () => {
    expect(configError({ ENVIRONMENT: "prod" })).toMatch(/^ENVIRONMENT: must be one of development, staging, production/);
    expect(configError({ ANTHROPIC_ADMIN_API_KEY: "sk-ant-api03-xyz" })).toMatch(/^ANTHROPIC_ADMIN_API_KEY: is a normal API key.*Admin key \(sk-ant-admin01-…\)/);
    expect(configError({ WAREHOUSE: "bigquery" })).toMatch(/^GOOGLE_CLOUD_PROJECT: is required when WAREHOUSE=bigquery/);
    expect(configError({ LAKE_URI: "s3://bucket" })).toMatch(/^LAKE_URI: must be file:\/\/<folder> or gs:\/\/<bucket>\/<prefix>/);
    expect(configError({ CURSOR_API_BASE_URL: "api.cursor.com" })).toMatch(/^CURSOR_API_BASE_URL: must be an http\(s\) URL/);
    expect(configError({ GOOGLE_SHEETS_SPREADSHEET_ID: "https://docs.google.com/spreadsheets/d/abc/edit" })).toMatch(/^GOOGLE_SHEETS_SPREADSHEET_ID: must be the ID/);
    expect(configError({ GOOGLE_SHEETS_SPREADSHEET_ID: "1AbCdEfGhIjKlMnOp", MAPPING_URI: "file://x/" })).toMatch(/^MAPPING_URI: set either/);
    expect(configError({ BIGQUERY_DATASET: "ai-usage" })).toMatch(/^BIGQUERY_DATASET: must be a BigQuery dataset name/);
  });

  it("reads a Sheets emulator the way Google's clients read *_EMULATOR_HOST, and the mapping's shrink guard", () => {
    expect(loadConfig({ GOOGLE_SHEETS_SPREADSHEET_ID: "1AbCdEfGhIjKlMnOp", SHEETS_EMULATOR_HOST: "127.0.0.1:8787/sheets" }).mapping).toEqual({
      kind: "sheets",
      spreadsheetId: "1AbCdEfGhIjKlMnOp",
      baseUrl: "http://127.0.0.1:8787/sheets",
      emulator: true,
    });
    expect(loadConfig({ GOOGLE_SHEETS_SPREADSHEET_ID: "1AbCdEfGhIjKlMnOp" }).mapping).toMatchObject({ baseUrl: "https://sheets.googleapis.com", emulator: false });
    expect(configError({ SHEETS_EMULATOR_HOST: "127.0.0.1:1/sheets", SHEETS_API_BASE_URL: "https://x.example" })).toMatch(/^SHEETS_EMULATOR_HOST: set either/);
    expect(configError({ SHEETS_EMULATOR_HOST: "not a host" })).toMatch(/^SHEETS_EMULATOR_HOST: must be host:port\[\/path\]/);
    expect(loadConfig({}).mappingMaxShrinkPercent).toBe(50);
    expect(loadConfig({ MAPPING_MAX_SHRINK_PERCENT: "100" }).mappingMaxShrinkPercent).toBe(100);
    expect(configError({ MAPPING_MAX_SHRINK_PERCENT: "150" })).toMatch(/^MAPPING_MAX_SHRINK_PERCENT: must be a whole number of percent from 0 to 100/);
  });

  it("names every dataset by one rule, and tells a reading command what is wrong with its warehouse", () => {
    expect(datasetNames("ai_usage_staging")).toEqual({ base: "ai_usage_staging", raw: "ai_usage_staging_raw", assertions: "ai_usage_staging_assertions" });
    expect(loadConfig({ ENVIRONMENT: "staging" }).dataset).toBe("ai_usage_staging");
    expect(() => datasetNames("ai-usage")).toThrow(/^BIGQUERY_DATASET: "ai-usage" must be a BigQuery dataset name/);
    const dir = tempDir();
    expect(() => duckdbToRead(loadConfig({ WAREHOUSE: `duckdb:${dir}/none/w.duckdb` }), "npm run report")).toThrow(`WAREHOUSE: duckdb:${dir}/none/w.duckdb: the folder ${dir}/none does not exist`);
    expect(() => duckdbToRead(loadConfig({ WAREHOUSE: `duckdb:${dir}/w.duckdb` }), "npm run report")).toThrow(`WAREHOUSE: duckdb:${dir}/w.duckdb: no warehouse file there yet`);
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub", "w.duckdb"), "");
    expect(duckdbToRead(loadConfig({ WAREHOUSE: `duckdb:${dir}/sub/w.duckdb` }), "npm run report")).toBe(`${dir}/sub/w.duckdb`);
    expect(() => duckdbToRead(loadConfig({ WAREHOUSE: "bigquery", GOOGLE_CLOUD_PROJECT: "p" }), "npm run models")).toThrow(/^WAREHOUSE: is bigquery, but npm run models works on the local DuckDB warehouse/);
  });

  it("never puts a key into an error message", () => {
    const message = configError({ ANTHROPIC_ADMIN_API_KEY: "sk-ant-api03-SECRET-VALUE" });
    expect(message).not.toContain("SECRET-VALUE");
  });
});
