/* global URL, console */
// Keeps package-lock.json installable with `npm ci` everywhere: npm only records the optional per-platform
// DuckDB bindings it could resolve, and a registry mirror with only linux-x64 builds leaves the others out, which
// makes `npm ci` stop with "Missing: @duckdb/node-bindings-… from lock file". This adds the missing entries
// (os/cpu-tagged and optional, so npm never fetches them on another platform). Run after `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const PLATFORM = /^@duckdb\/node-bindings-(darwin|linux|win32)-(x64|arm64)(-musl)?$/;
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = PLATFORM.exec(name);
    const key = `node_modules/${name}`;
    if (!match || lock.packages[key] || path.includes(key)) continue;
    const base = name.split("/")[1];
    lock.packages[key] = {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
      cpu: [match[2]],
      license: "MIT",
      optional: true,
      os: [match[1]],
      ...(match[3] ? { libc: ["musl"] } : match[1] === "linux" ? { libc: ["glibc"] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform binding entries`);
