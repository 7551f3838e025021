// BigQuery raw tables, appended with load jobs from the lake objects (free, atomic, no streaming buffer), one
// job per table per window; tables are partitioned by window_date so staging scans only the days it needs.
import type { BigQuery, TableField } from "@google-cloud/bigquery";
import type { LakeObject } from "./lake.ts";
import type { SnapshotShape } from "./stream.ts";
import type { Columns, RawWarehouse } from "./warehouse.ts";

export interface BigQueryWarehouseOptions {
  projectId: string;
  dataset: string;
  /** For tests: a client pointed at a loopback fake. */
  client?: BigQuery;
  /** For tests: the storage client that resolves gs:// lake objects. */
  storage?: import("@google-cloud/storage").Storage;
}

export class BigQueryWarehouse implements RawWarehouse {
  private clientPromise?: Promise<BigQuery>;
  private storagePromise?: Promise<import("@google-cloud/storage").Storage>;

  constructor(private readonly options: BigQueryWarehouseOptions) {}

  private client(): Promise<BigQuery> {
    this.clientPromise ??= this.options.client
      ? Promise.resolve(this.options.client)
      : import("@google-cloud/bigquery").then((m) => new m.BigQuery({ projectId: this.options.projectId }));
    return this.clientPromise;
  }

  private storage() {
    this.storagePromise ??= this.options.storage
      ? Promise.resolve(this.options.storage)
      : import("@google-cloud/storage").then((m) => new m.Storage({ projectId: this.options.projectId }));
    return this.storagePromise;
  }

  private tableOptions(columns: Columns) {
    const fields: TableField[] = columns.map(([name, type]) => ({ name, type, mode: "NULLABLE" }));
    const partitioned = columns.some(([name]) => name === "window_date");
    return { schema: { fields }, ...(partitioned ? { timePartitioning: { type: "DAY", field: "window_date" } } : {}) };
  }

  async ensureTable(table: string, columns: Columns): Promise<void> {
    const bq = await this.client();
    await bq.dataset(this.options.dataset).table(table).get({ autoCreate: true, ...this.tableOptions(columns) });
  }

  async append(table: string, columns: Columns, objects: LakeObject[]): Promise<void> {
    if (objects.length === 0) return;
    const bq = await this.client();
    const target = bq.dataset(this.options.dataset).table(table);
    const metadata = {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      writeDisposition: "WRITE_APPEND",
      createDisposition: "CREATE_IF_NEEDED",
      // A column added to the contract later (e.g. raw_load_runs.objects) joins an existing table on its next append.
      schemaUpdateOptions: ["ALLOW_FIELD_ADDITION"],
      ...this.tableOptions(columns),
    };
    const gcs = objects.filter((o) => o.uri.startsWith("gs://"));
    if (gcs.length > 0) {
      const storage = await this.storage();
      const files = gcs.map((o) => {
        const [, bucket, name] = /^gs:\/\/([^/]+)\/(.+)$/.exec(o.uri)!;
        return storage.bucket(bucket!).file(name!);
      });
      await target.load(files, metadata);
    }
    for (const o of objects.filter((x) => x.localPath)) await target.load(o.localPath!, metadata);
  }

  async countBy(table: string, column: string): Promise<Map<string, number>> {
    const bq = await this.client();
    const [exists] = await bq.dataset(this.options.dataset).table(table).exists();
    if (!exists) return new Map();
    const [rows] = await bq.query({ query: `SELECT ${column} AS v, COUNT(*) AS n FROM \`${this.options.projectId}.${this.options.dataset}.${table}\` GROUP BY 1` });
    return new Map((rows as { v: string; n: number }[]).map((r) => [String(r.v), Number(r.n)]));
  }

  async latestSnapshot(table: string): Promise<SnapshotShape | undefined> {
    const bq = await this.client();
    const target = `\`${this.options.projectId}.${this.options.dataset}.${table}\``;
    const [rows] = await bq.query({
      query:
        `SELECT run_id, COUNT(*) AS n, TO_JSON_STRING(ANY_VALUE(record)) AS sample FROM ${target} ` +
        `WHERE run_id = (SELECT MAX(run_id) FROM ${target}) GROUP BY run_id`,
    });
    const row = rows[0] as { run_id: string; n: number; sample: string } | undefined;
    return row ? { runId: row.run_id, rows: Number(row.n), columns: Object.keys(JSON.parse(row.sample) as object) } : undefined;
  }

  async close(): Promise<void> {}
}
