// Command-line options of `npm run bench`, with the default scenario sizes.
import path from "node:path";
import { list, newCommand, Option, wholeNumber, withUsageOnError, type Command } from "../cli/command.ts";
import { REPO_ROOT } from "./sim.ts";

export interface BenchOptions {
  seed: number;
  users: number;
  days: number;
  memoryDays: number[];
  historyDays: number;
  warehouseUsers: number;
  /** Scenario 6: the big company. */
  scaleUsers: number;
  scaleDays: number;
  lookback: number;
  timeScale: number;
  repeat: number;
  only: Set<number>;
  out: string;
  keep: boolean;
  /** Last simulated day: fixed, so every run serves the same bytes. */
  endDate: string;
}

/** The command line of npm run bench; parse throws commander's error (already printed, with the usage line) or help. */
export function benchCommand(): Command {
  return withUsageOnError(
    newCommand("npm run bench --", "Benchmarks on the simulated organization: ingest throughput, memory, API efficiency, warehouse cost, models, a big company.")
      .option("--quick", "smaller sizes, for a quick look")
      .addOption(new Option("--users <n>", "simulated people").argParser(wholeNumber(4, 5000)))
      .addOption(new Option("--days <n>", "days loaded in the ingest and API scenarios").argParser(wholeNumber(1, 1100)))
      .addOption(new Option("--memory-days <list>", "backfill sizes of the memory scenario, e.g. 30,90,365").argParser(numbers(1, 1100)))
      .addOption(new Option("--history-days <n>", "history of the warehouse scenario").argParser(wholeNumber(1, 1100)))
      .addOption(new Option("--warehouse-users <n>", "simulated people of the warehouse scenario").argParser(wholeNumber(4, 5000)))
      .addOption(new Option("--scale-users <n>", "simulated people of the scale scenario (6)").argParser(wholeNumber(4, 5000)))
      .addOption(new Option("--scale-days <n>", "days of history of the scale scenario (6)").argParser(wholeNumber(2, 1100)))
      .addOption(new Option("--time-scale <n>", "vendor minutes pass N times faster").argParser(wholeNumber(1)))
      .addOption(new Option("--repeat <n>", "runs per ingest figure").argParser(wholeNumber(1)))
      .addOption(new Option("--only <list>", "scenarios to run, 1 to 6").argParser(numbers(1, 6)))
      .option("--out <file>", "the JSON result")
      .option("--keep", "keep the work folder"),
  );
}

const numbers = (min: number, max: number) => (value: string) => list(value).map(wholeNumber(min, max));

export function parseOptions(argv: string[]): BenchOptions {
  const values = benchCommand().parse(argv, { from: "user" }).opts<{
    quick?: boolean; users?: number; days?: number; memoryDays?: number[]; historyDays?: number; warehouseUsers?: number; scaleUsers?: number; scaleDays?: number;
    timeScale?: number; repeat?: number; only?: number[]; out?: string; keep?: boolean;
  }>();
  const quick = values.quick === true;
  return {
    seed: 42,
    users: values.users ?? (quick ? 60 : 200),
    days: values.days ?? (quick ? 30 : 90),
    memoryDays: values.memoryDays ?? (quick ? [14, 45, 90] : [30, 90, 365]),
    historyDays: values.historyDays ?? (quick ? 90 : 365),
    warehouseUsers: values.warehouseUsers ?? 40,
    scaleUsers: values.scaleUsers ?? (quick ? 100 : 2000),
    scaleDays: values.scaleDays ?? (quick ? 30 : 365),
    lookback: 3, // workflow_settings.yaml lookback_days, and the daily run's re-load
    timeScale: values.timeScale ?? (quick ? 10 : 5),
    repeat: values.repeat ?? (quick ? 1 : 2),
    only: new Set(values.only ?? [1, 2, 3, 4, 5, 6]),
    out: path.resolve(values.out ?? path.join(REPO_ROOT, ".local/bench/result.json")),
    keep: values.keep === true,
    endDate: "2026-10-31",
  };
}
