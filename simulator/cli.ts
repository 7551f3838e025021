// npx tsx simulator/cli.ts --seed 42 --users 40 --history-days 365 --port 8787 [--end-date YYYY-MM-DD] [--no-rate-limits] [--time-scale 20]
import { parseArgs } from "node:util";
import { startSimulator } from "./server.ts";

const USAGE = "usage: tsx simulator/cli.ts [--seed N] [--users N] [--history-days N] [--end-date YYYY-MM-DD (a fixed clock: yesterday)] [--port N] [--no-rate-limits] [--time-scale N]";

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}\n${USAGE}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" }, users: { type: "string" }, "history-days": { type: "string" }, "end-date": { type: "string" },
      port: { type: "string" }, "no-rate-limits": { type: "boolean" }, "time-scale": { type: "string" }, help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const sim = await startSimulator({
    seed: num(values.seed, "seed"), users: num(values.users, "users"), historyDays: num(values["history-days"], "history-days"), endDate: values["end-date"],
    port: num(values.port, "port") ?? 8787, rateLimits: !values["no-rate-limits"], timeScale: num(values["time-scale"], "time-scale"),
  });
  const o = sim.options;
  const clock = values["end-date"] ? `clock fixed at ${new Date(sim.now()).toISOString()}` : "real clock";
  console.log(`Simulated organization (seed ${o.seed}, ${o.users} users, ${o.historyDays} days of history, yesterday ${o.endDate}, ${clock}, rate limits ${o.rateLimits ? `on, time scale ${o.timeScale}` : "off"})`);
  console.log(`CURSOR_API_BASE_URL=${sim.baseUrls.cursor}`);
  console.log(`ANTHROPIC_API_BASE_URL=${sim.baseUrls.anthropic}`);
  console.log(`SHEETS_API_BASE_URL=${sim.baseUrls.sheets}`);
  console.log(`CURSOR_API_KEY=${sim.credentials.cursorApiKey}`);
  console.log(`ANTHROPIC_ADMIN_API_KEY=${sim.credentials.anthropicAdminKey}`);
  console.log(`GOOGLE_SHEETS_SPREADSHEET_ID=${sim.credentials.spreadsheetId}`);
  console.log(`SHEETS_ACCESS_TOKEN=${sim.credentials.sheetsAccessToken}`);
  console.log(`Ground truth: ${sim.url}/_sim/truth?start=&end=&asOf=  restate: POST ${sim.url}/_sim/restate  counters: ${sim.url}/_sim/served  (Ctrl-C to stop)`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
