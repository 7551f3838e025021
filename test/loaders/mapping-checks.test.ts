// The mapping is checked as a whole before it lands: runLoad on CSV tabs into a real DuckDB warehouse. A tab that
// breaks a rule lands nothing (its last good snapshot stays the latest), names the file, the line and the rule, and
// fails the run; the other tabs still land; a row that only breaks its own types is quarantined and counted.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runLoad, type Config, type RunSummary } from "../../loaders/index.ts";
import { tempDir, testConfig } from "../helpers/config.ts";
import { query } from "../helpers/duckdb.ts";

const HEADER = "email,name,team,department,cost_center,manager_email,effective_from";
const PEOPLE = [
  HEADER,
  "ada@acme.com,Ada,Platform,Engineering,CC-1010,,",
  "bob@acme.com,Bob,Platform,Engineering,CC-1010,ada@acme.com,",
  "cyd@acme.com,Cyd,Data,Engineering,CC-2010,ada@acme.com,",
  "cyd@acme.com,Cyd,Payments,Finance,CC-3010,ada@acme.com,2026-11-01",
  "dan@acme.com,Dan,Growth,Marketing,CC-4010,,",
];
const OTHER_TABS = {
  api_key_owners: "api_key_id,owner_email,note\napikey_01,ada@acme.com,prod\n",
  budgets: "month,cost_center,team,tool,budget_usd\n2026-11,CC-1010,,cursor,\"$2,600.00\"\n",
  seats: "tool,plan,monthly_price_usd,effective_from\ncursor,Teams,40,\n",
};

let clock = Date.parse("2026-11-21T06:00:00Z");
/** Each run a minute later, so each has its own run id and the latest is the last. */
const nextNow = () => {
  clock += 60_000;
  const at = new Date(clock);
  return () => at;
};

function mappingFolder(people: string | Buffer): { dir: string; config: Config; write(people: string | Buffer): void } {
  const dir = tempDir();
  const mapping = path.join(dir, "mapping");
  const write = (p: string | Buffer) => writeFileSync(path.join(mapping, "people.csv"), p);
  mkdirSync(mapping);
  for (const [tab, text] of Object.entries(OTHER_TABS)) writeFileSync(path.join(mapping, `${tab}.csv`), text);
  write(people);
  return { dir, config: { ...testConfig(dir), mapping: { kind: "csv", dir: mapping } }, write };
}

const load = (config: Config, overrides: Partial<Config> = {}) => runLoad({ ...config, ...overrides }, { mode: "development", lookback: 0 }, { now: nextNow() });
const people = (s: RunSummary) => s.streams.find((x) => x.stream === "people")!;
const lines = (...l: string[]) => `${l.join("\n")}\n`;

async function peopleRuns(dir: string) {
  return query(path.join(dir, "warehouse.duckdb"), "SELECT run_id, COUNT(*)::INTEGER AS n FROM ai_usage_dev_raw.raw_mapping_people GROUP BY run_id ORDER BY run_id");
}

describe("the mapping is refused whole when it breaks a rule", () => {
  it("lands a good mapping, then refuses a people tab without its team column; the good snapshot stays the latest", async () => {
    const m = mappingFolder(lines(...PEOPLE));
    const good = await load(m.config);
    expect(good.ok).toBe(true);
    expect(people(good)).toMatchObject({ status: "succeeded", records: 5 });

    m.write(lines(...PEOPLE.map((row) => row.split(",").filter((_, i) => i !== 2).join(","))));
    const bad = await load(m.config);
    expect(bad.ok).toBe(false);
    expect(people(bad).status).toBe("failed");
    expect(people(bad).error).toBe(
      "mapping people.csv refused: line 1: no column team (required: email, name, team, department, cost_center, manager_email); add it to the header row; " +
        "nothing of this tab was loaded, the models keep its last good snapshot",
    );
    // The other tabs of the same run landed; people holds only the good snapshot.
    expect(bad.streams.filter((s) => s.stream !== "people").map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(await peopleRuns(m.dir)).toEqual([{ run_id: good.runId, n: 5 }]);
  });

  it("refuses a tab cut to one row against the last good snapshot; MAPPING_MAX_SHRINK_PERCENT=100 lets it through", async () => {
    const m = mappingFolder(lines(...PEOPLE));
    const good = await load(m.config);
    m.write(lines(HEADER, PEOPLE[1]!));
    const cut = await load(m.config);
    expect(people(cut).error).toContain(`1 valid rows, down from 5 in the last good snapshot (run ${good.runId}), more than 50 % fewer; if the tab really shrank, load once with MAPPING_MAX_SHRINK_PERCENT=100`);
    expect(await peopleRuns(m.dir)).toEqual([{ run_id: good.runId, n: 5 }]);
    const accepted = await load(m.config, { mappingMaxShrinkPercent: 100 });
    expect(people(accepted)).toMatchObject({ status: "succeeded", records: 1 });
  });

  it("refuses a lost optional column, a duplicate person on the same effective_from, and a row with more cells than the header", async () => {
    const m = mappingFolder(lines(...PEOPLE));
    const good = await load(m.config);
    m.write(lines(...PEOPLE.map((row) => row.split(",").slice(0, 6).join(","))));
    expect(people(await load(m.config)).error).toContain(`column effective_from is gone but the last good snapshot (run ${good.runId}) had it; put it back (empty cells are fine)`);

    m.write(lines(...PEOPLE, " Cyd@Acme.com,Cyd,Mobile,Engineering,CC-1010,,2026-11-01", "eve@acme.com,Smith, Eve,Data,Engineering,CC-2010,,"));
    const error = people(await load(m.config)).error!;
    expect(error).toContain('line 7: same email "Cyd@Acme.com", effective_from "2026-11-01" as line 5; one row per email and effective_from: delete or correct one');
    expect(error).toContain("line 8: 8 cells but the header has 7; quote values that contain commas, or name the extra column");
    expect(await peopleRuns(m.dir)).toEqual([{ run_id: good.runId, n: 5 }]);
  });

  it("refuses a seats tab whose tool has several plans and not one default, and lands one that marks it", async () => {
    const m = mappingFolder(lines(...PEOPLE));
    const seats = (text: string) => writeFileSync(path.join(m.dir, "mapping", "seats.csv"), text);
    const tab = (s: RunSummary) => s.streams.find((x) => x.stream === "seats")!;
    seats(lines("tool,plan,monthly_price_usd,effective_from", "cursor,Teams,40,", "cursor,Ultra,200,"));
    expect(tab(await load(m.config)).error).toContain(
      "tool cursor has plans Teams, Ultra and none is marked is_default; add an is_default column and put yes on the plan a seat holder gets when the people tab names none",
    );
    seats(lines("tool,plan,monthly_price_usd,effective_from,is_default", "cursor,Teams,40,,yes", "cursor,Ultra,200,,x"));
    expect(tab(await load(m.config)).error).toContain("tool cursor: plans Teams, Ultra are all marked is_default; mark only the plan");
    seats(lines("tool,plan,monthly_price_usd,effective_from,is_default", "cursor,Teams,40,,yes", "cursor,Ultra,200,,"));
    expect(tab(await load(m.config))).toMatchObject({ status: "succeeded", records: 2 });
  });

  it("refuses a file that is not UTF-8, naming the file, the line and the byte, so no U+FFFD reaches the lake", async () => {
    const m = mappingFolder(Buffer.concat([Buffer.from(lines(...PEOPLE.slice(0, 3))), Buffer.from("eve@acme.com,Ren", "latin1"), Buffer.from([0xe9]), Buffer.from("e,Data,Engineering,CC-2010,,\n")]));
    const offset = Buffer.byteLength(lines(...PEOPLE.slice(0, 3))) + "eve@acme.com,Ren".length;
    const summary = await load(m.config);
    expect(people(summary).error).toBe(
      `mapping people.csv refused: line 4, byte ${offset} (0xE9) is not UTF-8; save the file as UTF-8 (Excel: "CSV UTF-8"; LibreOffice: character set "Unicode (UTF-8)"); ` +
        "nothing of this tab was loaded, the models keep its last good snapshot",
    );
    expect(await peopleRuns(m.dir)).toEqual([]);
  });

  it("refuses an empty people file and a people tab with a header only", async () => {
    const m = mappingFolder("");
    expect(people(await load(m.config)).error).toContain("mapping people.csv is empty: it needs a header row (email, name, team, department, cost_center, manager_email)");
    m.write(lines(HEADER));
    expect(people(await load(m.config)).error).toContain("no valid rows: every cost would land on unmapped");
  });

  it("quarantines a row that only breaks its own types (one bad email), counts it, and lands the rest", async () => {
    const m = mappingFolder(lines(...PEOPLE, "not-an-email,Zed,Data,Engineering,CC-2010,,", "fay@acme.com,Fay,Data,Engineering,CC-2010,,2026-13-45"));
    const summary = await load(m.config);
    expect(summary.ok).toBe(true);
    expect(people(summary)).toMatchObject({ status: "succeeded", records: 5, quarantined: 2 });
    const reasons = await query(path.join(m.dir, "warehouse.duckdb"), "SELECT reason FROM ai_usage_dev_raw.raw_quarantine ORDER BY reason");
    expect(reasons).toEqual([{ reason: "effective_from: must be a date YYYY-MM-DD or empty" }, { reason: "email: must be an email address" }]);
  });
});
