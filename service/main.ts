// Cloud Run service entry: GET /health and POST /run-daily-job for manual runs and checks (the scheduled run is
// the Cloud Run job, job.ts).
import { createLogger } from "../loaders/core/log.ts";
import { dailyRunDeps, startupConfig } from "./deps.ts";
import { createServer, exitOnSigterm } from "./server.ts";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write("Usage: npm run serve\nThe Cloud Run service on PORT (default 8080): GET /health, POST /run-daily-job {\"mode\":\"development\",\"days\":1}.\nConfigured by environment variables and .env (README, Configuration; docs/deploy.md for the service's own).\n");
  process.exit(0);
}
const log = createLogger();
const { s, config } = startupConfig(log);

const service = createServer({ ...dailyRunDeps(s, config, log), environment: s.ENVIRONMENT, project: s.GOOGLE_CLOUD_PROJECT });

service.server.listen(s.PORT, () => log.info({ event: "listening", port: s.PORT, environment: s.ENVIRONMENT }, `listening on :${s.PORT}`));

exitOnSigterm(service, s.SHUTDOWN_GRACE_SECONDS * 1000, log);
