// The local warehouse: one DuckDB file; a BigQuery dataset is a schema of the same name.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { LakeObject } from "./lake.ts";
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

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly schema: string,
  ) {}

  static async open(file: string, schema: string): Promise<DuckDbWarehouse> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    return new DuckDbWarehouse(instance, connection, schema);
  }

  /** One statement at a time on the single connection; streams load concurrently. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  ensureTable(table: string, columns: Columns): Promise<void> {
    const columnDefs = columns.map(([name, type]) => `${quoteIdent(name)} ${DUCKDB_TYPE[type]}`).join(", ");
    return this.serial(() => this.connection.run(`CREATE TABLE IF NOT EXISTS ${quoteIdent(this.schema)}.${quoteIdent(table)} (${columnDefs})`).then(() => undefined));
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
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
