// Opening the local DuckDB warehouse file, for every command that does (load, models, report, verify). DuckDB lets
// one process write a file at a time; a writer leaves a note beside the file saying who it is, so a second command
// can say which run holds the warehouse and since when instead of DuckDB's raw lock error.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

export interface DuckDbFile {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/**
 * DuckDB's memory budget: what it may hold in memory (memory_limit, e.g. "1GB") and the folder it spills the rest to
 * (temp_directory), so that a build's peak memory does not grow with the company (DUCKDB_MEMORY_LIMIT,
 * DUCKDB_TEMP_DIRECTORY).
 */
export interface DuckDbMemory {
  memoryLimit: string;
  tempDirectory: string;
}

interface Holder {
  /** What holds the file, e.g. "load run 20261121T140000Z-a1b2c3" or "npm run models -- run". */
  what: string;
  pid: number;
  since: string;
}

export class WarehouseBusyError extends Error {
  override name = "WarehouseBusyError";
}

const holderFile = (file: string) => `${file}.holder.json`;

/**
 * DuckDB's instance options for a memory budget. Rows may be stored in any order where no ORDER BY asks for one (as
 * on BigQuery): DuckDB then needs no memory to keep a big CREATE TABLE … AS or INSERT in its input's order.
 */
const memoryOptions = (memory: DuckDbMemory | undefined): Record<string, string> =>
  memory ? { memory_limit: memory.memoryLimit, temp_directory: memory.tempDirectory, preserve_insertion_order: "false" } : {};

/**
 * Opens the file (read-only, or as the writer `holder` names) within `memory` (else DuckDB's default, 80% of the
 * machine's); a held lock becomes a WarehouseBusyError.
 */
export async function openDuckDbFile(file: string, opts: { readOnly?: boolean; holder?: string; memory?: DuckDbMemory } = {}): Promise<DuckDbFile> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, { ...(opts.readOnly ? { access_mode: "READ_ONLY" } : {}), ...memoryOptions(opts.memory) });
  } catch (error) {
    const message = (error as Error).message;
    if (/Could not set lock on file/i.test(message)) throw busy(file, message);
    throw error;
  }
  const note: Holder | undefined = !opts.readOnly && file !== ":memory:" ? { what: opts.holder ?? commandLine(), pid: process.pid, since: new Date().toISOString() } : undefined;
  if (note) writeFileSync(holderFile(file), `${JSON.stringify(note)}\n`);
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
      if (note && readHolder(file)?.pid === note.pid) rmSync(holderFile(file), { force: true });
    },
  };
}

function busy(file: string, duckdbMessage: string): WarehouseBusyError {
  const pid = Number(/\(PID (\d+)\)/i.exec(duckdbMessage)?.[1]);
  const holder = readHolder(file);
  const who =
    holder && (!pid || holder.pid === pid)
      ? `${holder.what} (pid ${holder.pid}) since ${holder.since}`
      : `another process${pid ? ` (pid ${pid})` : ""}`;
  return new WarehouseBusyError(
    `the warehouse ${file} is in use by ${who}; DuckDB lets one process write it at a time: wait for that run to finish, or stop it${pid ? ` (kill ${pid})` : ""}, then try again`,
  );
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(holderFile(file), "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

function commandLine(): string {
  const script = process.env.npm_lifecycle_event;
  return script ? `npm run ${script}` : process.argv.slice(1).join(" ");
}
