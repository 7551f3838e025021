// Google Sheets API v4 (reference §3): values.get and values.batchGet over the mapping tabs.
import { TEAMS_BY_NAME, type Team } from "./catalog.ts";
import { SEAT_PLANS, teamOn, type Company } from "./company.ts";
import { addDays } from "./dates.ts";
import { keyOwnerRows, peopleSheet } from "./mapping.ts";
import { rng } from "./rng.ts";
import { HttpError, type Ctx, type Route } from "./http.ts";
import type { World } from "./world.ts";

type Tab = "people" | "api_key_owners" | "budgets" | "seats";
const TABS: Tab[] = ["people", "api_key_owners", "budgets", "seats"];
/** columns holding numbers: UNFORMATTED_VALUE returns them as JSON numbers */
const NUMERIC: Record<Tab, string[]> = { people: [], api_key_owners: [], budgets: ["budget_usd"], seats: ["monthly_price_usd"] };
/** A new Google sheet's grid; it grows with the rows and columns written to it, as the people tab of a big company does. */
const NEW_GRID = { rows: 1000, cols: 26 };

interface Grid { rows: number; cols: number }

/** The tab's grid: a new sheet's, or larger when its content needs more rows or columns. */
const gridOf = (cells: string[][]): Grid => ({ rows: Math.max(NEW_GRID.rows, cells.length), cols: Math.max(NEW_GRID.cols, ...cells.map((r) => r.length)) });

function money(n: number): string {
  // FORMATTED_VALUE of a number cell formatted "#,##0.00"
  return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** the full tab at the simulator's clock: header row first; cells are display strings */
export function tabGrid(world: World, tab: Tab): string[][] {
  const c = world.company;
  switch (tab) {
    case "people": {
      // a well-kept HR sheet: everyone employed within the history (leavers kept), an undated first row and a dated
      // row per move once its date has come; the two people the mapping forgot are not there
      const rows = [["email", "name", "team", "department", "cost_center", "manager_email", "effective_from", "plan"]];
      for (const { person: p, rows: own } of peopleSheet(world)) {
        for (const row of own) {
          const t = TEAMS_BY_NAME.get(row.team)!;
          const manager = c.teams.find((x) => x.name === row.team)?.managerEmail;
          // one hand-typed email with a stray space and capitals: the sheet is edited by people
          const email = p.slot === 2 ? `${p.email.replace(/^./, (ch) => ch.toUpperCase())} ` : p.email;
          rows.push([email, p.name, t.name, t.department, t.costCenter, manager && manager !== p.email ? manager : "", row.from ?? "", p.seatPlan ?? ""]);
        }
      }
      return rows;
    }
    case "api_key_owners":
      return [["api_key_id", "owner_email", "note"], ...keyOwnerRows(world).map((o) => [o.apiKeyId, o.ownerEmail, o.note])];
    case "budgets": {
      const rows = [["month", "cost_center", "team", "tool", "budget_usd"]];
      // every month of the history, through the current one
      const months: string[] = [];
      for (let m = world.historyStart().slice(0, 7); m <= world.today().slice(0, 7); m = addDays(`${m}-28`, 7).slice(0, 7)) months.push(m);
      for (const month of months) {
        // Budgets a finance team would set: per head (at the month's start) and tool, near the spend (some go over).
        const staff = c.roster.employedOn(`${month}-01`).filter((p) => p.inMapping);
        const headcount = (match: (t: Team) => boolean) => staff.filter((p) => match(TEAMS_BY_NAME.get(teamOn(p, `${month}-01`))!)).length;
        const r = rng(c.options.seed, "budget", month);
        const centers = [...new Set(c.teams.map((t) => t.costCenter))];
        for (const cc of centers) {
          const heads = Math.max(1, headcount((t) => t.costCenter === cc));
          for (const tool of ["cursor", "claude_code", "claude_api"]) rows.push([month, cc, "", tool, money(heads * r.int(6, 14) * 5)]);
        }
        const first = c.teams[0]!;
        rows.push([month, first.costCenter, first.name, "all", money(Math.max(1, headcount((t) => t.name === first.name)) * r.int(20, 40) * 5)]);
      }
      return rows;
    }
    case "seats":
      // the default plan is marked in is_default; the people tab's plan column names anyone on another plan
      return [
        ["tool", "plan", "monthly_price_usd", "effective_from", "is_default"],
        ["cursor", SEAT_PLANS.default.plan, money(SEAT_PLANS.default.monthlyUsd), "", "yes"],
        ...SEAT_PLANS.others.map((o) => ["cursor", o.plan, money(o.monthlyUsd), "", ""]),
      ];
  }
}

function colIndex(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

function colLetters(i: number): string {
  let s = "";
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

interface A1 { tab: Tab; c0: number; c1: number; r0: number; r1: number }

/** `gridFor(tab)`: the size of that tab's grid, which open ranges (a bare tab name, `A:B`, `A2:E`) extend to. */
function parseRange(raw: string, gridFor: (tab: Tab) => Grid): A1 {
  const bad = () => new HttpError(400, `Unable to parse range: ${raw}`);
  const m = /^(?:'((?:[^']|'')+)'|([^!']+))(?:!(.*))?$/.exec(raw);
  if (!m) throw bad();
  const name = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!;
  let tab = TABS.find((t) => t === name);
  let cells = m[3];
  if (!tab && cells === undefined && /^[A-Z]+\d*(:[A-Z]+\d*)?$/.test(name)) {
    tab = "people"; // a range without a sheet name means the first sheet
    cells = name;
  }
  if (!tab) throw bad();
  const grid = gridFor(tab);
  if (cells === undefined || cells === "") return { tab, c0: 0, c1: grid.cols - 1, r0: 0, r1: grid.rows - 1 };
  const cm = /^([A-Z]+)?(\d+)?(?::([A-Z]+)?(\d+)?)?$/.exec(cells.toUpperCase());
  if (!cm || (!cm[1] && !cm[2])) throw bad();
  const c0 = cm[1] ? colIndex(cm[1]) : 0, r0 = cm[2] ? Number(cm[2]) - 1 : 0;
  const single = cells.indexOf(":") < 0;
  const c1 = single ? c0 : cm[3] ? colIndex(cm[3]) : grid.cols - 1;
  const r1 = single ? r0 : cm[4] ? Number(cm[4]) - 1 : grid.rows - 1;
  if (c1 < c0 || r1 < r0 || r0 < 0) throw bad();
  return { tab, c0, c1, r0, r1 };
}

function valueRange(ctx: Ctx, raw: string) {
  const q = ctx.url.searchParams;
  const major = q.get("majorDimension") ?? "ROWS";
  if (major !== "ROWS" && major !== "COLUMNS") throw new HttpError(400, `Invalid value at 'major_dimension' (${major})`);
  const render = q.get("valueRenderOption") ?? "FORMATTED_VALUE";
  if (!["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"].includes(render)) throw new HttpError(400, `Invalid value at 'value_render_option' (${render})`);
  let grid: string[][] = [];
  const a1 = parseRange(raw, (tab) => gridOf((grid = tabGrid(ctx.world, tab).map((row) => [...row]))));
  const header = grid[0]!;
  if (ctx.sink.unknownFields) grid.forEach((row, i) => row.push(i === 0 ? "imported_from" : "hr-export"));
  const numeric = new Set(NUMERIC[a1.tab].map((h) => header.indexOf(h)));
  const stream = `mapping.${a1.tab}`;
  const keyCol = 0; // email / api_key_id / month / tool: the natural key's first column on every tab
  let values: (string | number)[][] = [];
  for (let r = a1.r0; r <= Math.min(a1.r1, grid.length - 1); r++) {
    const row: (string | number)[] = grid[r]!.slice(a1.c0, a1.c1 + 1);
    if (r > 0) {
      ctx.sink.add(stream, `${r + 1}`, row, (x) => { if (a1.c0 <= keyCol) x[keyCol - a1.c0] = ""; });
      if (render !== "FORMATTED_VALUE") for (const i of numeric) if (i >= a1.c0 && i <= a1.c1 && row[i - a1.c0] !== "") row[i - a1.c0] = Number(String(row[i - a1.c0]).replace(/,/g, ""));
    }
    while (row.length && row[row.length - 1] === "") row.pop(); // trailing empty cells are omitted
    values.push(row);
  }
  while (values.length && values[values.length - 1]!.length === 0) values.pop();
  if (major === "COLUMNS") {
    const width = Math.max(0, ...values.map((r) => r.length));
    values = Array.from({ length: width }, (_, c) => {
      const col = values.map((r) => r[c] ?? "");
      while (col.length && col[col.length - 1] === "") col.pop();
      return col;
    });
  }
  const range = `${a1.tab}!${colLetters(a1.c0)}${a1.r0 + 1}:${colLetters(a1.c1)}${a1.r1 + 1}`;
  return values.length ? { range, majorDimension: major, values } : { range, majorDimension: major };
}

function checkSpreadsheet(ctx: Ctx, id: string) {
  if (id !== spreadsheetIdFor(ctx.world.company)) throw new HttpError(404, "Requested entity was not found.");
}

export function spreadsheetIdFor(c: Company): string {
  return `1${rng(c.options.seed, "sheet").id(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`;
}

function get(ctx: Ctx, m: RegExpMatchArray) {
  checkSpreadsheet(ctx, decodeURIComponent(m[1]!));
  return valueRange(ctx, decodeURIComponent(m[2]!));
}

function batchGet(ctx: Ctx, m: RegExpMatchArray) {
  const id = decodeURIComponent(m[1]!);
  checkSpreadsheet(ctx, id);
  const ranges = [...ctx.url.searchParams.getAll("ranges"), ...ctx.url.searchParams.getAll("ranges[]")];
  const valueRanges = ranges.map((r) => valueRange(ctx, r));
  return valueRanges.length ? { spreadsheetId: id, valueRanges } : { spreadsheetId: id };
}

/**
 * Sheets authentication: Google's bearer token, or no credentials at all, the way Google's emulators serve clients
 * pointed at them by an *_EMULATOR_HOST setting (the loaders' SHEETS_EMULATOR_HOST). A wrong token is still refused.
 */
export function sheetsAuthError(authorization: string | undefined, token: string): string | null {
  if (authorization === undefined || authorization === `Bearer ${token}`) return null;
  return "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.";
}

export const sheetsRoutes: Route[] = [
  { vendor: "sheets", method: "GET", path: /^\/v4\/spreadsheets\/([^/]+)\/values(?::|%3A)batchGet$/i, stream: "mapping.batch_get", family: "sheets", perMinute: 60, handle: batchGet },
  { vendor: "sheets", method: "GET", path: /^\/v4\/spreadsheets\/([^/]+)\/values\/([^/]+)$/, stream: "mapping.values_get", family: "sheets", perMinute: 60, handle: get },
];
