// Translations kept on disk between processes: polyglot takes tens of milliseconds a statement, and every build
// (npm start, npm run models, each test file) translates the same compiled SQL. Keyed by the SQL and by what
// decides its translation (polyglot's version and runner/translate.ts itself), so an edit to either starts afresh.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_FILE = path.resolve(HERE, "../node_modules/.cache/ai-usage-analytics/duckdb-translations.json");
const MAX_ENTRIES = 20_000;

/** polyglot's package.json (its "exports" hide it from require), found above its resolved entry point. */
function polyglotPackage(): string {
  for (let dir = path.dirname(createRequire(import.meta.url).resolve("@polyglot-sql/sdk")); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return readFileSync(path.join(dir, "package.json"), "utf8");
    } catch {
      // keep walking up
    }
  }
  return "";
}

function translatorVersion(): string {
  return createHash("sha256").update(polyglotPackage()).update(readFileSync(path.join(HERE, "translate.ts"))).update(readFileSync(path.join(HERE, "sql-text.ts"))).digest("hex").slice(0, 16);
}

export class TranslationCache {
  private readonly entries = new Map<string, string[]>();
  private readonly added = new Map<string, string[]>();
  private loaded = false;
  private version?: string;

  constructor(private readonly file = DEFAULT_FILE) {}

  private key(sql: string): string {
    this.version ??= translatorVersion();
    return createHash("sha256").update(this.version).update("\0").update(sql).digest("base64url");
  }

  private readDisk(): Record<string, string[]> {
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Record<string, string[]>;
    } catch {
      return {}; // no cache yet, or a torn one: translate again
    }
  }

  get(sql: string): string[] | undefined {
    if (!this.loaded) {
      for (const [k, v] of Object.entries(this.readDisk())) this.entries.set(k, v);
      this.loaded = true;
    }
    return this.entries.get(this.key(sql));
  }

  set(sql: string, statements: string[]): void {
    const k = this.key(sql);
    this.entries.set(k, statements);
    this.added.set(k, statements);
  }

  /** Merges this process's new translations into the file (written whole, then renamed: readers never see half). */
  save(): void {
    if (this.added.size === 0) return;
    try {
      const merged = { ...this.readDisk(), ...Object.fromEntries(this.added) };
      const keys = Object.keys(merged);
      for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete merged[k];
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(merged));
      renameSync(tmp, this.file);
      this.added.clear();
    } catch {
      // a read-only install only loses the speed-up
    }
  }
}
