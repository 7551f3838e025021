// Command-line options of `npm run bench`, with the default scenario sizes.
import path from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./sim.ts";

export const USAGE = "usage: npm run bench -- [--quick] [--users N] [--days N] [--memory-days 30,90,365] [--history-days N] [--time-scale N] [--repeat N] [--only 1,2,3,4,5] [--out file.json] [--keep]";

export interface BenchOptions {
  seed: number;
  users: number;
  days: number;
  memoryDays: number[];
  historyDays: number;
  warehouseUsers: number;
  lookback: number;
  timeScale: number;
  repeat: number;
  only: Set<number>;
  out: string;
  keep: boolean;
  /** Last simulated day: fixed, so every run serves the same bytes. */
  endDate: string;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${value}: expected a whole number ≥ 1\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      users: { type: "string" },
      days: { type: "string" },
      "memory-days": { type: "string" },
      "history-days": { type: "string" },
      "warehouse-users": { type: "string" },
      "time-scale": { type: "string" },
      repeat: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) throw new Error(USAGE);
  const quick = values.quick === true;
  const list = (value: string | undefined, name: string, fallback: number[]) =>
    value === undefined ? fallback : value.split(",").map((v) => positive(v.trim(), name, 0));
  const only = new Set(list(values.only, "only", [1, 2, 3, 4, 5]));
  for (const n of only) if (n > 5) throw new Error(`--only ${n}: scenarios are 1 to 5\n${USAGE}`);
  return {
    seed: 42,
    users: positive(values.users, "users", quick ? 60 : 200),
    days: positive(values.days, "days", quick ? 30 : 90),
    memoryDays: list(values["memory-days"], "memory-days", quick ? [14, 45, 90] : [30, 90, 365]),
    historyDays: positive(values["history-days"], "history-days", quick ? 90 : 365),
    warehouseUsers: positive(values["warehouse-users"], "warehouse-users", 40),
    lookback: 3, // workflow_settings.yaml lookback_days, and the daily run's re-load
    timeScale: positive(values["time-scale"], "time-scale", quick ? 10 : 5),
    repeat: positive(values.repeat, "repeat", quick ? 1 : 2),
    only,
    out: path.resolve(values.out ?? path.join(REPO_ROOT, ".local/bench/result.json")),
    keep: values.keep === true,
    endDate: "2026-10-31",
  };
}
