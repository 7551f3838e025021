// The local warehouse: one DuckDB file; a BigQuery dataset is a schema of the same name.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDbFile, type DuckDbFile, type DuckDbMemory } from "./duckdb-file.ts";
import type { LakeObject } from "./lake.ts";
import type { SnapshotShape } from "./stream.ts";
import type { Columns, RawWarehouse } from "./warehouse.ts";

const DUCKDB_TYPE: Record<string, string> = {
  STRING: "VARCHAR",
  TIMESTAMP: "TIMESTAMP",
  DATE: "DATE",
  JSON: "JSON",
  INT64: "BIGINT",
};

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

export class DuckDbWarehouse implements RawWarehouse {
  private queue: Promise<unknown> = Promise.resolve();

  private readonly connection: DuckDBConnection;

  private constructor(
    private readonly file: DuckDbFile,
    private readonly schema: string,
  ) {
    this.connection = file.connection;
  }

  /** `holder` says who writes (e.g. "load run <id>"), for the message a second writer gets. */
  static async open(file: string, schema: string, holder?: string, memory?: DuckDbMemory): Promise<DuckDbWarehouse> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const opened = await openDuckDbFile(file, { holder, memory });
    await opened.connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    return new DuckDbWarehouse(opened, schema);
  }

  /** One statement at a time on the single connection; streams load concurrently. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  ensureTable(table: string, columns: Columns): Promise<void> {
    const target = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    const columnDefs = columns.map(([name, type]) => `${quoteIdent(name)} ${DUCKDB_TYPE[type]}`).join(", ");
    return this.serial(async () => {
      await this.connection.run(`CREATE TABLE IF NOT EXISTS ${target} (${columnDefs})`);
      // A column added to the contract later (raw tables are never rebuilt) is added to an existing table.
      for (const [name, type] of columns) await this.connection.run(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quoteIdent(name)} ${DUCKDB_TYPE[type]}`);
    });
  }

  countBy(table: string, column: string): Promise<Map<string, number>> {
    return this.serial(async () => {
      const exists = await this.connection.runAndReadAll(
        "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [this.schema, table],
      );
      if (exists.getRows().length === 0) return new Map();
      const reader = await this.connection.runAndReadAll(
        `SELECT ${quoteIdent(column)} AS v, COUNT(*)::INTEGER AS n FROM ${quoteIdent(this.schema)}.${quoteIdent(table)} GROUP BY 1`,
      );
      return new Map(reader.getRowObjectsJson().map((r) => [String(r.v), Number(r.n)]));
    });
  }

  latestSnapshot(table: string): Promise<SnapshotShape | undefined> {
    const target = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    return this.serial(async () => {
      const reader = await this.connection.runAndReadAll(
        `SELECT run_id, COUNT(*)::INTEGER AS n, CAST(ANY_VALUE(record) AS VARCHAR) AS sample FROM ${target} ` +
          `WHERE run_id = (SELECT MAX(run_id) FROM ${target}) GROUP BY run_id`,
      );
      const row = reader.getRowObjectsJson()[0];
      if (!row) return undefined;
      return { runId: String(row.run_id), rows: Number(row.n), columns: Object.keys(JSON.parse(String(row.sample)) as object) };
    });
  }

  append(table: string, columns: Columns, objects: LakeObject[]): Promise<void> {
    const files = objects.map((o) => {
      if (!o.localPath) throw new Error(`DuckDB can only load lake objects from a file:// lake, not ${o.uri}`);
      return o.localPath;
    });
    if (files.length === 0) return Promise.resolve();
    const target = `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
    const readColumns = `{${columns.map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(DUCKDB_TYPE[type]!)}`).join(", ")}}`;
    const names = columns.map(([name]) => quoteIdent(name)).join(", ");
    return this.ensureTable(table, columns).then(() =>
      this.serial(() =>
        this.connection.run(
        `INSERT INTO ${target} (${names}) SELECT ${names} FROM read_json([${files.map(quoteLiteral).join(", ")}], ` +
          `format = 'newline_delimited', columns = ${readColumns})`,
        ),
      ),
    ).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue;
    this.file.close();
  }
}
