// The simulated organization is one stable world through the loaders too: a day's records are the same whichever
// run fetched them, from a simulator started when, with which history.
import { afterAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../simulator/index.ts";
import { addDays } from "../../simulator/dates.ts";
import { query } from "../helpers/duckdb.ts";
import { loadSimulatedWarehouse } from "../helpers/pipeline.ts";
import { END } from "../simulator/helpers.ts";

const sims: Simulator[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.close())));

const RAW = "ai_usage_dev_raw";

describe("loading the stable simulated world", () => {
  it("loads of 30 and of 90 days, from simulators started a week apart, land the same records for the same days", async () => {
    const WINDOWED = ["cursor_daily_usage", "cursor_usage_events", "anthropic_usage_messages", "anthropic_cost_report", "anthropic_claude_code"];
    const short = await loadSimulatedWarehouse({ days: 30, users: 8, seed: 5, endDate: END, sim: { historyDays: 30 } });
    sims.push(short.sim);
    // a week later, with a longer history: a 90-day backfill ending on the same day
    const long = await loadSimulatedWarehouse({ days: 90, users: 8, seed: 5, endDate: addDays(END, 7), sim: { historyDays: 120 }, load: { end: END } });
    sims.push(long.sim);
    expect([short.summary.ok, long.summary.ok]).toEqual([true, true]);
    const records = async (warehouse: string, table: string) =>
      (await query(warehouse, `SELECT CAST(window_date AS VARCHAR) AS d, record::VARCHAR AS r FROM ${RAW}.raw_${table} WHERE window_date >= DATE '${addDays(END, -29)}' ORDER BY d, r`)).map((x) => `${x.d} ${x.r}`);
    for (const table of WINDOWED) {
      const [a, b] = [await records(short.warehousePath, table), await records(long.warehousePath, table)];
      expect({ table, same: a.length > 0 && JSON.stringify(a) === JSON.stringify(b) }).toEqual({ table, same: true });
    }
    const [older] = await query(long.warehousePath, `SELECT count(*)::INT n FROM ${RAW}.raw_cursor_usage_events WHERE window_date < DATE '${addDays(END, -29)}'`);
    expect(older!.n).toBeGreaterThan(0); // the longer load reached further back, into days the short history does not serve
  });
});
